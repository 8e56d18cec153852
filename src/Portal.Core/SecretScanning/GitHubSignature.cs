using System.Security.Cryptography;

namespace Portal.Core.SecretScanning;

/// <summary>
/// GitHub's secret scanning signature: <c>Github-Public-Key-Signature</c> is the base64 of an ECDSA P-256 / SHA-256
/// signature (DER, RFC 3279) of the raw request body, by the key named in <c>Github-Public-Key-Identifier</c>.
/// </summary>
public static class GitHubSignature
{
    /// <summary>Whether <paramref name="signature"/> signs exactly <paramref name="body"/> under <paramref name="publicKeyPem"/>; false for anything unreadable.</summary>
    public static bool Verify(string publicKeyPem, ReadOnlySpan<byte> body, string? signature)
    {
        if (string.IsNullOrWhiteSpace(signature) || signature.Length > 512)
        {
            return false;
        }

        Span<byte> der = stackalloc byte[384];
        if (!Convert.TryFromBase64String(signature.Trim(), der, out var written))
        {
            return false;
        }

        using var key = Import(publicKeyPem);
        if (key is null)
        {
            return false;
        }

        try
        {
            return key.VerifyData(body, der[..written], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>A P-256 public key from PEM, or null when the text is not one (never throws).</summary>
    public static ECDsa? Import(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return null;
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.KeySize == 256)
            {
                return key;
            }
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
        }

        key.Dispose();
        return null;
    }
}
