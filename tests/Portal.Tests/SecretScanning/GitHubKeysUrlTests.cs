using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.SecretScanning;

/// <summary>
/// "signature verified with ECDSA P-256 against keys from Portal:SecretScanning:GitHub:KeysUrl (cached)" and "Unknown key
/// identifier → 401 (and a refresh of the key list, rate-limited)": GitHub's keys document served on 127.0.0.1.
/// </summary>
public sealed class GitHubKeysUrlTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow) { AutoAdvanceAmount = TimeSpan.FromMilliseconds(1) };
    private readonly ConcurrentDictionary<string, ECDsa> _served = new();
    private WebApplication? _github;
    private PortalApplication? _app;
    private int _fetches;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _github = builder.Build();
        _github.MapGet("/meta/public_keys/secret_scanning", () =>
        {
            Interlocked.Increment(ref _fetches);
            var keys = new JsonArray(_served.Select(k => (JsonNode)new JsonObject
            {
                ["key_identifier"] = k.Key,
                ["key"] = k.Value.ExportSubjectPublicKeyInfoPem(),
                ["is_current"] = true,
            }).ToArray());
            return Results.Text(new JsonObject { ["public_keys"] = keys }.ToJsonString(), "application/json", Encoding.UTF8);
        });
        await _github.StartAsync();
        var address = _github.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _app = new PortalApplication
        {
            Settings = { ["Portal:SecretScanning:GitHub:KeysUrl"] = $"{address}/meta/public_keys/secret_scanning" },
            TestServices = services => services.AddSingleton<TimeProvider>(_time),
        };
    }

    [Fact]
    public async Task Keys_come_from_the_cached_document_and_an_unknown_identifier_refreshes_it_at_most_once_a_minute()
    {
        var first = Serve("gh-key-1");
        Assert.Equal(HttpStatusCode.OK, await ReportAsync("gh-key-1", first));
        Assert.Equal(HttpStatusCode.OK, await ReportAsync("gh-key-1", first));
        Assert.Equal(1, _fetches); // cached

        // GitHub adds a key: within the minute the portal does not ask again, so the new identifier is unknown (401).
        var second = Serve("gh-key-2");
        Assert.Equal(HttpStatusCode.Unauthorized, await ReportAsync("gh-key-2", second));
        Assert.Equal(1, _fetches);

        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.OK, await ReportAsync("gh-key-2", second));
        Assert.Equal(2, _fetches);

        // Made-up identifiers are refused and cannot make the portal hammer GitHub.
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await ReportAsync($"made-up-{i}", stranger));
        }

        Assert.Equal(2, _fetches);
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.Unauthorized, await ReportAsync("made-up-again", stranger));
        Assert.Equal(3, _fetches);
    }

    private ECDsa Serve(string identifier) => _served[identifier] = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private async Task<HttpStatusCode> ReportAsync(string identifier, ECDsa key)
    {
        var body = Encoding.UTF8.GetBytes(SecretScanningPortal.Body("ghp_not-a-portal-key"));
        using var http = _app!.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/secret-scanning/github") { Content = new ByteArrayContent(body) };
        request.Headers.Add("Github-Public-Key-Identifier", identifier);
        request.Headers.Add("Github-Public-Key-Signature", SecretScanningPortal.Sign(key, body));
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    public async Task DisposeAsync()
    {
        _app?.Dispose();
        if (_github is not null)
        {
            await _github.StopAsync();
            await _github.DisposeAsync();
        }

        foreach (var key in _served.Values)
        {
            key.Dispose();
        }
    }
}
