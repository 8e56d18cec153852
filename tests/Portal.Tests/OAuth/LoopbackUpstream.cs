using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portal.Tests.OAuth;

/// <summary>
/// A real HTTP server on 127.0.0.1 standing in for an integration's API: its test URLs accept only the expected
/// credential (header, query, bearer, basic) and answer 401 otherwise. <see cref="Captured"/> records any request
/// that reached <c>/capture</c>, which the cross-host redirect points at.
/// </summary>
public sealed class LoopbackUpstream : IAsyncDisposable
{
    public const string ApiKey = "upstream-key-7f3a9c";
    public const string Token = "upstream-token-5b1e44";
    public const string User = "svc-user";
    public const string Password = "upstream-password-d02c";

    private readonly WebApplication _app;

    private LoopbackUpstream(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>The same server under another host name (localhost instead of 127.0.0.1).</summary>
    public string OtherHostUrl => BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

    public ConcurrentQueue<string> Captured { get; } = new();

    /// <summary><c>/gated</c> answers (like <c>/ping</c>) only once the test releases this: a verification in progress can be seen.</summary>
    public SemaphoreSlim Gate { get; } = new(0);

    public static async Task<LoopbackUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new LoopbackUpstream(app);

        app.MapGet("/ping", (HttpRequest r) => r.Headers["X-Api-Key"] == ApiKey ? Results.Ok() : Results.StatusCode(401));
        app.MapGet("/custom-header", (HttpRequest r) => r.Headers["X-Custom-Key"] == ApiKey ? Results.Ok() : Results.StatusCode(401));
        app.MapGet("/query", (HttpRequest r) => r.Query["key"] == ApiKey ? Results.Ok() : Results.StatusCode(401));
        app.MapGet("/bearer", (HttpRequest r) => r.Headers.Authorization == $"Bearer {Token}" ? Results.Ok() : Results.StatusCode(401));
        app.MapGet("/basic", (HttpRequest r) =>
            r.Headers.Authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")) ? Results.Ok() : Results.StatusCode(401));
        app.MapGet("/broken", () => Results.StatusCode(503));
        app.MapGet("/gated", async (HttpRequest r) =>
        {
            await upstream.Gate.WaitAsync(r.HttpContext.RequestAborted);
            return r.Headers["X-Api-Key"] == ApiKey ? Results.Ok() : Results.StatusCode(401);
        });
        app.MapGet("/redirect-same", () => Results.Redirect("/ping"));
        app.MapGet("/redirect-away", () => Results.Redirect(upstream.OtherHostUrl + "/capture"));
        app.MapGet("/capture", (HttpRequest r) =>
        {
            upstream.Captured.Enqueue(string.Join(";", r.Headers.Select(h => $"{h.Key}={h.Value}")));
            return Results.Ok();
        });

        await app.StartAsync();
        upstream.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
