using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Portal.Bench;

/// <summary>
/// The baseline of DESIGN.md's ingest budget: a bare Kestrel minimal app on loopback whose <c>POST /hook</c> only
/// answers 202. Runs as a child process (this program with <c>serve-bare</c>), like the Portal, so both servers get
/// the same treatment from the load generator.
/// </summary>
public static class BareServer
{
    public const string Mode = "serve-bare";
    public const string ListeningMarker = "BARE-LISTENING ";

    public static async Task RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/hook", () => Results.StatusCode(StatusCodes.Status202Accepted));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Console.WriteLine(ListeningMarker + address);
        await app.WaitForShutdownAsync();
    }
}
