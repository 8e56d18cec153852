using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Portal.Core.Data;

namespace Portal.Hosting;

/// <summary>
/// The Data Protection key ring (README "Key ring protection"): kept in the database so every instance shares it, and,
/// with <c>Portal:DataProtection:CertificatePath</c> (a PFX, plus <c>CertificatePassword</c>), each key's master secret
/// is encrypted with that certificate. Without it, the database alone decrypts every stored credential, signing secret
/// and integration key, and the token server's private keys (kept under the same ring): a copy of the database could
/// forge an Admin token. With it, the copy is useless without the certificate's private key.
/// </summary>
public static class KeyRingProtection
{
    public const string CertificatePathSetting = "Portal:DataProtection:CertificatePath";
    public const string CertificatePasswordSetting = "Portal:DataProtection:CertificatePassword";

    /// <summary>Whether the ring is certificate-protected in this configuration.</summary>
    public static bool IsConfigured(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[CertificatePathSetting]);

    public static void AddPortalDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        var protection = services.AddDataProtection().SetApplicationName("Portal").PersistKeysToDbContext<PortalDbContext>();
        if (!IsConfigured(configuration))
        {
            return;
        }

        var path = configuration[CertificatePathSetting]!;
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, configuration[CertificatePasswordSetting], X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new StoreConfigurationException($"{CertificatePathSetting}: the certificate '{path}' could not be loaded ({e.GetType().Name}: {e.Message.TrimEnd('.')}). Check the file and {CertificatePasswordSetting}.", e);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new StoreConfigurationException($"{CertificatePathSetting}: '{path}' has no private key; the key ring needs it to read its own keys back (export a PFX with the private key).");
        }

        // New keys are encrypted to this certificate; existing ones are read with it (on Linux there is no store to look in).
        protection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
    }

    /// <summary>The start-up warning in Production when the ring is not protected (one line, once).</summary>
    public static void WarnIfUnprotected(this WebApplication app)
    {
        if (app.Environment.IsProduction() && !IsConfigured(app.Configuration))
        {
            app.Logger.LogWarning(
                "The Data Protection key ring is not protected: a copy of the database alone decrypts every stored credential and secret and can forge tokens. Set {Setting} (README \"Key ring protection\").",
                CertificatePathSetting);
        }
    }
}
