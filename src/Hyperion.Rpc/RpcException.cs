namespace Hyperion.Rpc;

/// <summary>JSON-RPC 2.0 error codes used by Ethereum clients.</summary>
public static class RpcErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int Internal = -32603;
    public const int Server = -32000;

    /// <summary>A request exceeded a limit of the node (result count, block range, batch budget), as geth and others use it.</summary>
    public const int LimitExceeded = -32005;

    /// <summary>Execution reverted; <c>data</c> carries the revert bytes as hex (geth convention).</summary>
    public const int ExecutionReverted = 3;
}

/// <summary>An error a handler throws to produce a JSON-RPC error object (code, message, optional hex data).</summary>
public sealed class RpcException : Exception
{
    public RpcException(int code, string message, string? data = null) : base(message)
    {
        Code = code;
        ErrorData = data;
    }

    public RpcException() : this(RpcErrorCodes.Internal, "internal error") { }

    public RpcException(string message) : this(RpcErrorCodes.Server, message) { }

    public RpcException(string message, Exception innerException) : base(message, innerException) => Code = RpcErrorCodes.Server;

    public int Code { get; }

    public string? ErrorData { get; }

    public static RpcException InvalidParams(string message) => new(RpcErrorCodes.InvalidParams, message);
}
