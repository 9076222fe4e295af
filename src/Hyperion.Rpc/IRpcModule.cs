namespace Hyperion.Rpc;

/// <summary>A group of RPC methods (eth_*, debug_*, a chain's own namespace) that a node registers at start.</summary>
public interface IRpcModule
{
    void Register(RpcMethodRegistry registry);
}
