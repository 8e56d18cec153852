using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portal.Tests.Notifications;

/// <summary>One request the receiver got: its headers and body as sent.</summary>
public sealed record ReceivedNotification(IHeaderDictionary Headers, string Body)
{
    public string WebhookId => Headers["webhook-id"].ToString();
}

/// <summary>
/// A real HTTP server on 127.0.0.1 standing in for a tenant's notification receiver: it records every request
/// (<see cref="Received"/>, in order) and answers with <see cref="Status"/> and <see cref="ResponseBody"/>, after
/// <see cref="Delay"/> when one is set (to make the portal time out).
/// </summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedNotification> _arrivals = Channel.CreateUnbounded<ReceivedNotification>();

    private LoopbackReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public ConcurrentQueue<ReceivedNotification> Received { get; } = new();

    public int Status { get; set; } = 204;

    public string ResponseBody { get; set; } = "";

    public TimeSpan Delay { get; set; }

    public static async Task<LoopbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new LoopbackReceiver(app);
        app.MapPost("/events", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var copy = new HeaderDictionary();
            foreach (var (name, value) in request.Headers)
            {
                copy[name] = value;
            }

            var received = new ReceivedNotification(copy, body);
            receiver.Received.Enqueue(received);
            receiver._arrivals.Writer.TryWrite(received);
            if (receiver.Delay > TimeSpan.Zero)
            {
                await Task.Delay(receiver.Delay, CancellationToken.None);
            }

            return Results.Text(receiver.ResponseBody, "text/plain", statusCode: receiver.Status);
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/events";
        return receiver;
    }

    /// <summary>The next request to arrive (or one that arrived and was not taken yet); fails after a minute, only against a hang.</summary>
    public async Task<ReceivedNotification> NextAsync() => await _arrivals.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));

    /// <summary>Requests that arrived and were not taken by <see cref="NextAsync"/>.</summary>
    public int Untaken => _arrivals.Reader.Count;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
