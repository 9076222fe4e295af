using System.Reflection;
using System.Runtime.InteropServices;
using LightningDB;

namespace Hyperion.MetisDb;

/// <summary>
/// Resolves LightningDB's native "lmdb". The liblmdb.so bundled in the NuGet package needs glibc 2.38; on older
/// systems (Debian 12) fall back to the distribution's library, liblmdb.so.0 (package liblmdb0).
/// </summary>
internal static class LmdbNativeLibrary
{
    private static int _registered;

    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(LightningEnvironment).Assembly, Resolve);
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != "lmdb")
        {
            return IntPtr.Zero;
        }

        if (NativeLibrary.TryLoad(libraryName, assembly, searchPath, out IntPtr bundled))
        {
            return bundled;
        }

        if (NativeLibrary.TryLoad("liblmdb.so.0", out IntPtr system))
        {
            return system;
        }

        throw new DllNotFoundException(
            "MetisDB: cannot load LMDB: the bundled liblmdb.so does not fit this system and liblmdb.so.0 is missing (install the Debian package liblmdb0).");
    }
}
