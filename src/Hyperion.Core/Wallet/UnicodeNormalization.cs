using System.Runtime.InteropServices;
using System.Text;

namespace Hyperion.Core.Wallet;

/// <summary>
/// Unicode NFKD, which BIP-39 applies to mnemonics and passphrases. Hyperion runs with invariant globalization,
/// where <see cref="string.Normalize(NormalizationForm)"/> silently returns its input unchanged, so non-ASCII
/// text goes to the system's ICU (libicuuc) directly. ASCII text is already in NFKD and needs neither.
/// </summary>
internal static unsafe class UnicodeNormalization
{
    // U+00E9 decomposes under NFD; if it comes back unchanged the runtime is not normalizing.
    private static readonly bool RuntimeNormalizes = "\u00e9".Normalize(NormalizationForm.FormD).Length == 2;

    private static readonly Lazy<IcuNfkd?> Icu = new(IcuNfkd.TryLoad);

    public static string ToNfkd(string text)
    {
        if (Ascii.IsValid(text))
        {
            return text;
        }
        if (RuntimeNormalizes)
        {
            return text.Normalize(NormalizationForm.FormKD);
        }

        IcuNfkd icu = Icu.Value ?? throw new PlatformNotSupportedException(
            "Unicode NFKD normalization of non-ASCII text needs ICU, which was not found: install it with `apt-get install -y libicu72` (or your release's libicu package).");
        return icu.Normalize(text);
    }

    /// <summary>unorm2_getNFKDInstance / unorm2_normalize from libicuuc (symbols carry the ICU major version as a suffix on Debian).</summary>
    private sealed class IcuNfkd
    {
        private const int BufferOverflowError = 15; // U_BUFFER_OVERFLOW_ERROR

        private readonly IntPtr _normalizer;
        private readonly delegate* unmanaged<IntPtr, char*, int, char*, int, int*, int> _normalize;

        private IcuNfkd(IntPtr normalizer, delegate* unmanaged<IntPtr, char*, int, char*, int, int*, int> normalize)
        {
            _normalizer = normalizer;
            _normalize = normalize;
        }

        public static IcuNfkd? TryLoad()
        {
            for (int version = 99; version >= 50; version--)
            {
                if (!NativeLibrary.TryLoad($"libicuuc.so.{version}", out IntPtr library))
                {
                    continue;
                }

                foreach (string suffix in new[] { $"_{version}", "" })
                {
                    if (NativeLibrary.TryGetExport(library, "unorm2_getNFKDInstance" + suffix, out IntPtr getInstance)
                        && NativeLibrary.TryGetExport(library, "unorm2_normalize" + suffix, out IntPtr normalize))
                    {
                        int error = 0;
                        IntPtr instance = ((delegate* unmanaged<int*, IntPtr>)getInstance)(&error);
                        if (error <= 0 && instance != IntPtr.Zero)
                        {
                            return new IcuNfkd(instance, (delegate* unmanaged<IntPtr, char*, int, char*, int, int*, int>)normalize);
                        }
                    }
                }
            }

            return null;
        }

        public string Normalize(string text)
        {
            fixed (char* source = text)
            {
                // First call sizes the output (U_BUFFER_OVERFLOW_ERROR is expected), the second fills it.
                int error = 0;
                int length = _normalize(_normalizer, source, text.Length, null, 0, &error);
                if (error > 0 && error != BufferOverflowError)
                {
                    throw new InvalidOperationException($"ICU NFKD normalization failed (UErrorCode {error}).");
                }

                char[] output = new char[length];
                error = 0;
                fixed (char* destination = output)
                {
                    _normalize(_normalizer, source, text.Length, destination, length, &error);
                }
                if (error > 0)
                {
                    throw new InvalidOperationException($"ICU NFKD normalization failed (UErrorCode {error}).");
                }

                return new string(output);
            }
        }
    }
}
