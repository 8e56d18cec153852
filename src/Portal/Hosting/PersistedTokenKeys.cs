using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using Portal.Core.Common;
using Portal.Core.Data;

namespace Portal.Hosting;

/// <summary>
/// Gives the token server a signing and an encryption key kept in the database (private keys encrypted with
/// Data Protection), instead of ephemeral keys: issued tokens stay valid across restarts and on every node.
/// </summary>
public sealed class PersistedTokenKeys(IDbContextFactory<PortalDbContext> dbFactory, IDataProtectionProvider dataProtection, TimeProvider time)
    : IConfigureOptions<OpenIddictServerOptions>
{
    private const string Signing = "signing";
    private const string Encryption = "encryption";

    public void Configure(OpenIddictServerOptions options)
    {
        var protector = dataProtection.CreateProtector("Portal.TokenKeys.v1");
        options.SigningCredentials.Add(new SigningCredentials(Load(Signing, protector), SecurityAlgorithms.RsaSha256));
        options.EncryptionCredentials.Add(new EncryptingCredentials(Load(Encryption, protector), SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
    }

    private RsaSecurityKey Load(string use, IDataProtector protector)
    {
        using var db = dbFactory.CreateDbContext();
        var row = db.TokenKeys.AsNoTracking().FirstOrDefault(k => k.Use == use);
        if (row is null)
        {
            using var fresh = RSA.Create(2048);
            row = new TokenKey
            {
                Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
                Use = use,
                ProtectedPrivateKey = protector.Protect(Convert.ToBase64String(fresh.ExportPkcs8PrivateKey())),
                CreatedAt = time.NowMs(),
            };
            db.TokenKeys.Add(row);
            try
            {
                db.SaveChanges();
            }
            catch (DbUpdateException)
            {
                // Another node created it first: use theirs.
                db.ChangeTracker.Clear();
                row = db.TokenKeys.AsNoTracking().First(k => k.Use == use);
            }
        }

        string privateKey;
        try
        {
            privateKey = protector.Unprotect(row.ProtectedPrivateKey);
        }
        catch (CryptographicException e)
        {
            // A database copied without the key ring's certificate (or a ring that lost its keys): no token can be made.
            throw new InvalidOperationException(
                $"The token server's {use} key cannot be decrypted with this instance's Data Protection key ring (is {KeyRingProtection.CertificatePathSetting} the certificate the ring was protected with?). No token can be issued or read.", e);
        }

        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(Convert.FromBase64String(privateKey), out _);
        return new RsaSecurityKey(rsa) { KeyId = row.Id };
    }
}
