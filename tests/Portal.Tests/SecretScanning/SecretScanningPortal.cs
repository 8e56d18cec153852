using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.SecretScanning;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.SecretScanning;

/// <summary>
/// The real app with a locally generated ECDSA P-256 key pair configured as GitHub's secret scanning key
/// (<c>Portal:SecretScanning:GitHub:PublicKeys</c>), so a test can sign reports as GitHub does. Counts the intake's
/// key lookups (the tagged query), to prove which strings were never looked up.
/// </summary>
public sealed class SecretScanningPortal : IDisposable
{
    public const string KeyIdentifier = "test-github-key-1";

    public SecretScanningPortal()
    {
        App = new PortalApplication
        {
            Settings =
            {
                ["Portal:SecretScanning:GitHub:PublicKeys:0:KeyIdentifier"] = KeyIdentifier,
                ["Portal:SecretScanning:GitHub:PublicKeys:0:Key"] = Signer.ExportSubjectPublicKeyInfoPem(),
            },
            TestServices = services => services.ConfigureDbContext<PortalDbContext>(o => o.AddInterceptors(Lookups)),
        };
    }

    /// <summary>GitHub's signing key, as far as this portal knows.</summary>
    public ECDsa Signer { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public PortalApplication App { get; }

    public LookupCounter Lookups { get; } = new();

    /// <summary>POSTs a report as GitHub does: anonymous, signed over the exact bytes unless told otherwise.</summary>
    public Task<HttpResponseMessage> ReportAsync(string body, string? keyIdentifier = KeyIdentifier, string? signature = null, bool sign = true) =>
        ReportAsync(Encoding.UTF8.GetBytes(body), keyIdentifier, signature, sign);

    public async Task<HttpResponseMessage> ReportAsync(byte[] body, string? keyIdentifier = KeyIdentifier, string? signature = null, bool sign = true)
    {
        using var http = App.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "/secret-scanning/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        if (keyIdentifier is not null)
        {
            request.Headers.Add("Github-Public-Key-Identifier", keyIdentifier);
        }

        signature ??= sign ? Sign(Signer, body) : null;
        if (signature is not null)
        {
            request.Headers.Add("Github-Public-Key-Signature", signature);
        }

        return await http.SendAsync(request);
    }

    public static string Sign(ECDsa key, byte[] body) =>
        Convert.ToBase64String(key.SignData(body, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    /// <summary>A report body in GitHub's format: one entry per token.</summary>
    public static string Body(params string[] tokens) =>
        new JsonArray(tokens.Select(t => (JsonNode)new JsonObject
        {
            ["token"] = t,
            ["type"] = "portal_key",
            ["url"] = "https://github.com/octo-org/octo-repo/blob/abc123/.env#L3",
            ["source"] = "content",
        }).ToArray()).ToJsonString();

    /// <summary>GitHub's token_hash: SHA-256 of the token, hex.</summary>
    public static string TokenHash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Asserts a 200 and returns the labels as the intake answered them.</summary>
    public static async Task<JsonArray> LabelsAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        return Assert.IsType<JsonArray>(JsonNode.Parse(text));
    }

    public void Dispose()
    {
        App.Dispose();
        Signer.Dispose();
    }

    /// <summary>Counts the commands that carry the intake's lookup tag.</summary>
    public sealed class LookupCounter : DbCommandInterceptor
    {
        private int _count;

        public int Count => _count;

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains(LeakIntakeService.LookupTag, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _count);
            }

            return ValueTask.FromResult(result);
        }
    }
}
