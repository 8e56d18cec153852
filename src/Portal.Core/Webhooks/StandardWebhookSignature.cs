using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Core.Webhooks;

/// <summary>
/// Standard Webhooks signatures (https://www.standardwebhooks.com): <c>webhook-signature</c> is a space-separated
/// list of <c>v1,&lt;base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"&gt;</c>, keyed by the base64 part of a
/// <c>whsec_</c> secret; <c>webhook-timestamp</c> (Unix seconds) must be within five minutes of now.
/// </summary>
public static class StandardWebhookSignature
{
    public const string SecretPrefix = "whsec_";
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>The <c>v1,…</c> signature of a message under one secret.</summary>
    public static string Sign(string secret, string webhookId, long timestampSeconds, ReadOnlySpan<byte> body) =>
        "v1," + Convert.ToBase64String(Compute(KeyOf(secret) ?? throw new ArgumentException("Not a whsec_ secret.", nameof(secret)), webhookId, timestampSeconds.ToString(CultureInfo.InvariantCulture), body));

    /// <summary>Whether any signature in the header matches any of the secrets, and the timestamp is within the tolerance of <paramref name="now"/>.</summary>
    public static bool Verify(IEnumerable<string> secrets, string? webhookId, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(webhookId) || string.IsNullOrEmpty(signatureHeader)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > Tolerance.TotalSeconds)
        {
            return false;
        }

        var presented = new List<byte[]>();
        foreach (var part in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("v1,", StringComparison.Ordinal) && TryBase64(part[3..]) is { } bytes)
            {
                presented.Add(bytes);
            }
        }

        var match = false;
        foreach (var secret in secrets)
        {
            if (KeyOf(secret) is not { } key)
            {
                continue;
            }

            var expected = Compute(key, webhookId, timestamp!, body);
            foreach (var candidate in presented)
            {
                // Constant time per comparison; keep going so the time does not tell which one matched.
                match |= CryptographicOperations.FixedTimeEquals(expected, candidate);
            }
        }

        return match;
    }

    private static byte[] Compute(byte[] key, string webhookId, string timestamp, ReadOnlySpan<byte> body)
    {
        var header = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.");
        var content = new byte[header.Length + body.Length];
        header.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(header.Length));
        return HMACSHA256.HashData(key, content);
    }

    private static byte[]? KeyOf(string secret) =>
        secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? TryBase64(secret[SecretPrefix.Length..]) : null;

    private static byte[]? TryBase64(string text)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }
}
