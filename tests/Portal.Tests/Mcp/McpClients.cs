using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mcp;

/// <summary>The C# SDK's McpClient over Streamable HTTP against the in-memory test server.</summary>
internal static class McpClients
{
    public static string Url(string integration, string action, string tenant = PortalApplication.Tenant) =>
        $"http://localhost/v1/tenants/{tenant}/integrations/{integration}/mcp:{action}";

    public static Task<McpClient> ConnectAsync(PortalApplication app, string integration, string key, string action = "test", string tenant = PortalApplication.Tenant)
    {
        var http = app.CreateClient();
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(Url(integration, action, tenant)),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
        }, http, ownsHttpClient: true);
        return McpClient.CreateAsync(transport);
    }

    /// <summary>Whether a fresh client with this key is refused (the HTTP status it got), or null when it connects.</summary>
    public static async Task<HttpStatusCode?> RefusalAsync(PortalApplication app, string integration, string key, string action = "test", string tenant = PortalApplication.Tenant)
    {
        try
        {
            await using var client = await ConnectAsync(app, integration, key, action, tenant);
            return null;
        }
        catch (HttpRequestException e)
        {
            return e.StatusCode ?? HttpStatusCode.InternalServerError;
        }
    }
}

/// <summary>A tiny upstream on 127.0.0.1: <c>GET /items/{id}</c> echoes the id and the X-Api-Key it got; <c>/items</c> echoes the query; <c>/down</c> fails.</summary>
public sealed class ItemsUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ItemsUpstream(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public static async Task<ItemsUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/items/{id}", (string id, HttpRequest r) => Results.Text($$"""{"id":"{{id}}","key":"{{r.Headers["X-Api-Key"]}}"}""", "application/json", Encoding.UTF8));
        app.MapGet("/items", (HttpRequest r) => Results.Text($$"""{"count":"{{r.Query["count"]}}"}""", "application/json", Encoding.UTF8));
        app.MapGet("/down/{**rest}", () => Results.StatusCode(503));
        await app.StartAsync();
        var upstream = new ItemsUpstream(app)
        {
            BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(),
        };
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
