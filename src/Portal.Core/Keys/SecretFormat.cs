using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Core.Keys;

/// <summary>
/// The one format for every secret the portal mints:
/// <c>&lt;prefix&gt;&lt;base62 of 32 random bytes&gt;&lt;6-char base62 checksum&gt;</c>.
/// Secret scanners can match it; a typo is caught before any database lookup.
/// </summary>
public static class SecretFormat
{
    public const int RandomBytes = 32;
    public const int ChecksumLength = 6;
    public const int DisplayLength = 8;
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    // A 32-byte number is at most 43 base62 digits; pad so every key of a kind has one length.
    private const int BodyLength = 43;

    public static Secret Mint(string prefix)
    {
        Span<byte> bytes = stackalloc byte[RandomBytes];
        RandomNumberGenerator.Fill(bytes);
        var body = Base62(bytes, BodyLength);
        var value = prefix + body + Checksum(prefix + body);
        return new Secret(value, Display(prefix, value));
    }

    /// <summary>
    /// A Standard Webhooks signing secret: <c>&lt;prefix&gt;&lt;base64 of 32 random bytes&gt;</c>, the form
    /// verifiers decode after the prefix. No checksum: the secret is never looked up, only used to sign and verify.
    /// </summary>
    public static Secret MintStandardWebhooks(string prefix)
    {
        Span<byte> bytes = stackalloc byte[RandomBytes];
        RandomNumberGenerator.Fill(bytes);
        var value = prefix + Convert.ToBase64String(bytes);
        return new Secret(value, Display(prefix, value));
    }

    /// <summary>Whether <paramref name="value"/> has the shape and checksum of a key of this prefix.</summary>
    public static bool IsWellFormed(string prefix, string? value)
    {
        if (value is null || value.Length != prefix.Length + BodyLength + ChecksumLength || !value.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var payload = value[..^ChecksumLength];
        foreach (var c in value.AsSpan(prefix.Length))
        {
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Checksum(payload)),
            Encoding.ASCII.GetBytes(value[^ChecksumLength..]));
    }

    /// <summary>
    /// What lists and the audit log show of a secret. A secret the portal minted (this format or the Standard Webhooks
    /// form) shows its kind prefix and the first <see cref="DisplayLength"/> characters of its random body. Any other
    /// value (e.g. an operator-supplied bootstrap secret, whose "body" may be a guessable word) shows only a
    /// <see cref="Fingerprint"/>: never a character of the secret.
    /// </summary>
    public static string Display(string prefix, string value) =>
        IsWellFormed(prefix, value) || IsStandardWebhooksSecret(prefix, value)
            ? value[..(prefix.Length + DisplayLength)]
            : Fingerprint(value);

    /// <summary><c>sha256:</c> and the first 8 hex digits of the value's SHA-256: tells secrets apart without revealing any of them.</summary>
    public static string Fingerprint(string value) => FingerprintPrefix + Hash(value)[..8];

    public const string FingerprintPrefix = "sha256:";

    /// <summary>Whether the value has the shape <see cref="MintStandardWebhooks"/> gives: the prefix, then base64 of exactly 32 bytes.</summary>
    public static bool IsStandardWebhooksSecret(string prefix, string? value)
    {
        if (value is null || value.Length != prefix.Length + 44 || !value.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[RandomBytes + 3];
        return Convert.TryFromBase64String(value[prefix.Length..], decoded, out var written) && written == RandomBytes;
    }

    /// <summary>SHA-256 of the whole key, hex: what hashed kinds store and look up by.</summary>
    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>Constant-time comparison of two hashes.</summary>
    public static bool HashEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static string Checksum(string payload)
    {
        // 32 bits of SHA-256: enough to catch a typo; not a security boundary.
        var digest = SHA256.HashData(Encoding.ASCII.GetBytes(payload));
        return Base62(digest.AsSpan(0, 4), ChecksumLength);
    }

    private static string Base62(ReadOnlySpan<byte> bytes, int length)
    {
        var n = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var chars = new char[length];
        for (var i = length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(n % 62)];
            n /= 62;
        }

        return new string(chars);
    }
}
