using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Portal.Bench;

/// <summary>A Portal launched by <see cref="ListsAndStartRun"/>, with the time from launch to its first /healthz 200.</summary>
internal sealed class Launched(ChildProcess process, Uri url, double startMs) : IDisposable
{
    public Uri Url => url;

    public double StartMs => startMs;

    public void Dispose() => process.Dispose();
}

internal static partial class ListsAndStartRun
{
    /// <summary>
    /// Launches <c>dotnet Portal.dll</c> on <paramref name="dataDirectory"/> (a fresh one is created and migrated; an
    /// existing one is what a restart finds) and polls <c>/healthz</c> every 5 ms from the moment of launch.
    /// </summary>
    private static async Task<Launched> LaunchAsync(string dll, string dataDirectory)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var url = new Uri($"http://127.0.0.1:{port}");
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Portal__DataDirectory"] = dataDirectory,
            ["Portal__PublicBaseUrl"] = url.ToString().TrimEnd('/'),
            ["Portal__Bootstrap__Tenant"] = Tenant,
            ["Portal__Bootstrap__AdminEmail"] = AdminEmail,
            ["Portal__Bootstrap__AdminPassword"] = AdminPassword,
            ["Portal__Bootstrap__ApiClientId"] = ClientId,
            ["Portal__Bootstrap__ApiClientSecret"] = ClientSecret,
            ["AzureAd__ClientId"] = "",
        };
        var started = Stopwatch.GetTimestamp();
        var process = ChildProcess.Start("dotnet", [dll, "--urls", url.ToString().TrimEnd('/')], Path.GetDirectoryName(dll)!, env);
        using var probe = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = started + (Stopwatch.Frequency * 90);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
            {
                process.Dispose();
                throw new InvalidOperationException("The Portal exited at start-up:" + Environment.NewLine + process.Tail);
            }

            try
            {
                using var response = await probe.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return new Launched(process, url, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(5);
        }

        process.Dispose();
        throw new TimeoutException("The Portal did not answer /healthz within 90 s.");
    }
}
