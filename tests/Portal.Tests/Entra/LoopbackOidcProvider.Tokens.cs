using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Portal.Tests.Entra;

public sealed partial class LoopbackOidcProvider
{
    /// <summary>An Entra-like v2.0 access token for this client (aud = client id, scp, tid, oid, e-mail).</summary>
    public string IssueAccessToken(string email, SecurityKey? signWith = null, string? issuer = null, string? audience = null)
    {
        var claims = UserClaims(email);
        claims["scp"] = "access_as_user";
        claims["azp"] = ClientId;
        return Sign(claims, audience ?? ClientId, signWith, issuer);
    }

    private string IssueIdToken(string email, string? nonce, string? accessToken, string? code)
    {
        var claims = UserClaims(email);
        claims["name"] = email.Split('@')[0];
        if (!string.IsNullOrEmpty(nonce))
        {
            claims["nonce"] = nonce;
        }

        if (accessToken is not null)
        {
            claims["at_hash"] = HalfHash(accessToken);
        }

        if (code is not null)
        {
            claims["c_hash"] = HalfHash(code);
        }

        return Sign(claims, ClientId, signWith: null, issuer: null);
    }

    private static Dictionary<string, object> UserClaims(string email)
    {
        // A stable object id per e-mail, like Entra's oid.
        var oid = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(email.ToLowerInvariant()))[..16]).ToString();
        return new Dictionary<string, object>
        {
            ["sub"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes("sub:" + oid))),
            ["oid"] = oid,
            ["tid"] = EntraTenantId,
            ["ver"] = "2.0",
            ["email"] = email,
            ["preferred_username"] = email,
        };
    }

    private string Sign(Dictionary<string, object> claims, string audience, SecurityKey? signWith, string? issuer)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(signWith ?? SigningKey, SecurityAlgorithms.RsaSha256),
        });
    }

    private static string HalfHash(string value) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(value))[..16]);
}
