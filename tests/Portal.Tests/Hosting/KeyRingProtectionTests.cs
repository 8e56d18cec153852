using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

/// <summary>
/// Issue 18, "Key ring protection": "A test encrypts with a certificate-protected ring and shows the database copy alone
/// can neither decrypt a stored credential nor produce a token the portal accepts." SQLite, where a copy of the store is
/// one file (<c>VACUUM INTO</c>, taken while the portal runs); the ring's code path is the same on PostgreSQL.
/// </summary>
public sealed class KeyRingProtectionTests : IDisposable
{
    private const string Password = "ring-test-pfx-password";
    private readonly string _root = Directory.CreateTempSubdirectory("portal-ring-").FullName;

    [Fact]
    public async Task A_copy_of_the_database_without_the_certificate_decrypts_nothing_and_makes_no_token_the_portal_accepts()
    {
        var pfx = NewCertificate();
        var protectedRing = new Dictionary<string, string>
        {
            ["Portal:DataProtection:CertificatePath"] = pfx,
            ["Portal:DataProtection:CertificatePassword"] = Password,
        };
        var original = Path.Combine(_root, "original");
        var stolen = Path.Combine(_root, "stolen");
        Directory.CreateDirectory(stolen);
        string token, protectedValue;

        using (var portal = new PortalApplication(original, keepData: true, postgres: false) { Settings = protectedRing })
        {
            using var admin = await portal.ClientAsync();
            var created = await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/signing-secrets", new { name = "ring-secret" })).ExpectAsync(HttpStatusCode.Created);
            token = created["token"]!.GetValue<string>();
            await using var db = await portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
            protectedValue = (await db.IssuedKeys.SingleAsync(k => k.OwnerId == KeyOwner.ForSigningSecret("ring-secret").Stored)).ProtectedValue!;

            // In the database, every key of the ring has its master key encrypted to the certificate; none is in the clear.
            var ring = await db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync();
            Assert.NotEmpty(ring);
            Assert.All(ring, xml =>
            {
                Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
                Assert.Contains("EncryptedXmlDecryptor", xml, StringComparison.Ordinal); // X.509: only the certificate's private key opens it
                Assert.DoesNotContain("<value>", xml, StringComparison.Ordinal); // an unprotected ring stores the master key here
            });

            // The thief's copy, taken while the portal runs.
            await using var source = new SqliteConnection($"Data Source={Path.Combine(original, "portal.db")};Pooling=False");
            await source.OpenAsync();
            await using var vacuum = source.CreateCommand();
            vacuum.CommandText = $"VACUUM INTO '{Path.Combine(stolen, "portal.db")}'";
            await vacuum.ExecuteNonQueryAsync();
        }

        // The copy alone (no certificate): a stored secret does not decrypt, and the token server cannot issue a token.
        using (var thief = new PortalApplication(stolen, keepData: false, postgres: false))
        {
            var protector = thief.Services.GetRequiredService<CredentialProtector>();
            Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(protectedValue));
            using var http = thief.CreateClient();
            using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = PortalApplication.AdminClientId,
                ["client_secret"] = PortalApplication.AdminClientSecret,
            }));
            var body = await response.Content.ReadAsStringAsync();
            Assert.False(response.IsSuccessStatusCode, body);
            Assert.DoesNotContain("access_token", body, StringComparison.Ordinal);
        }

        // The portal itself, restarted with its certificate on its own store, reads everything back.
        using var restarted = new PortalApplication(original, keepData: false, postgres: false) { Settings = protectedRing };
        Assert.Equal(token, restarted.Services.GetRequiredService<CredentialProtector>().Unprotect(protectedValue));
        using var again = await restarted.ClientAsync(); // a token from its own (decrypted) signing key
        await (await again.GetAsync($"{ApiTestData.Base}/signing-secrets")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_certificate_that_cannot_be_loaded_stops_the_real_portal_at_start_in_one_line()
    {
        var missing = Path.Combine(_root, "missing.pfx");
        var failed = await Assert.ThrowsAsync<PortalExitedException>(() => PortalProcess.StartAsync(
            Webhooks.IngestCrashSafetyTests.PortalDll(), dataDirectory: Path.Combine(_root, "bad"),
            settings: new Dictionary<string, string> { ["Portal:DataProtection:CertificatePath"] = missing }));

        Assert.Equal(1, failed.ExitCode);
        Assert.StartsWith($"Portal cannot start: Portal:DataProtection:CertificatePath: the certificate '{missing}' could not be loaded", failed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\n   at ", failed.Output, StringComparison.Ordinal); // no stack trace
    }

    private string NewCertificate()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Portal key ring (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(_root, "ring.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
