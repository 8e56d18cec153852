using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Portal.Core.Outbound;

/// <summary>Raised when an outbound call is refused before it leaves, or its response breaks a limit; the message is safe to show.</summary>
public sealed class OutboundRefusedException(string message) : Exception(message);

/// <summary>The one place outbound HTTP is set up: address filter, timeout, redirects, size cap.</summary>
public static class OutboundHttp
{
    public const string ClientName = "portal-outbound";

    /// <summary>Set on a request whose redirect must be answered as is (a POST whose body must reach the address itself, e.g. a notification).</summary>
    public static readonly HttpRequestOptionsKey<bool> NoRedirects = new("Portal.Outbound.NoRedirects");

    /// <summary>Set on a request whose answer matters only by its status and first bytes (a notification): at most this many bytes of the body are read, and a larger body is cut there instead of refused.</summary>
    public static readonly HttpRequestOptionsKey<int> ReadAtMost = new("Portal.Outbound.ReadAtMost");

    public static IServiceCollection AddOutboundHttp(this IServiceCollection services)
    {
        services.AddTransient<SameHostRedirectHandler>();
        services.AddTransient<ResponseSizeCapHandler>();
        services.AddHttpClient(ClientName, (sp, client) =>
            {
                var options = sp.GetRequiredService<IOptions<OutboundOptions>>().Value;
                client.Timeout = options.Timeout;
                client.MaxResponseContentBufferSize = options.MaxResponseBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptions<OutboundOptions>>();
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false, // SameHostRedirectHandler decides
                    UseCookies = false,
                    UseProxy = false, // the address check must see the real destination
                    ConnectTimeout = options.Value.Timeout,
                    ConnectCallback = (context, ct) => ConnectAsync(context, options.Value.AllowPrivateNetworks, ct),
                };
            })
            .RemoveAllLoggers() // request URIs may carry a query-string API key
            .AddHttpMessageHandler<SameHostRedirectHandler>()
            .AddHttpMessageHandler<ResponseSizeCapHandler>();
        return services;
    }

    /// <summary>Resolves the host and connects only if every address is public (or private ones are allowed); connecting to the checked address defeats DNS rebinding.</summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowPrivate, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0)
        {
            throw new OutboundRefusedException($"The host '{host}' did not resolve.");
        }

        if (!allowPrivate && addresses.FirstOrDefault(IsPrivate) is { } refused)
        {
            throw new OutboundRefusedException($"Refused to connect to '{host}': it resolves to {refused}, a loopback, private or link-local address (see Portal:Outbound:AllowPrivateNetworks).");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Loopback, unspecified, private, carrier-grade NAT, link-local, multicast and reserved ranges, IPv4 and IPv6 (IPv4-mapped included).</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,
                100 => b[1] is >= 64 and <= 127, // 100.64/10 carrier-grade NAT
                169 => b[1] == 254, // link-local, cloud metadata
                172 => b[1] is >= 16 and <= 31,
                192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2) || (b[1] == 88 && b[2] == 99),
                198 => b[1] is 18 or 19 || (b[1] == 51 && b[2] == 100),
                203 => b[1] == 0 && b[2] == 113,
                >= 224 => true, // multicast, reserved, broadcast
                _ => false,
            };
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) // documentation
                || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) // NAT64 may reach IPv4 private ranges
                || b.Take(12).All(x => x == 0); // IPv4-compatible and unspecified
        }

        return true;
    }
}

/// <summary>Follows a few redirects, only to the same scheme, host and port; a redirect elsewhere is returned as is, so the credential never travels to another host.</summary>
internal sealed class SameHostRedirectHandler(IOptions<OutboundOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await base.SendAsync(request, ct);
        if (request.Options.TryGetValue(OutboundHttp.NoRedirects, out var none) && none)
        {
            return response;
        }

        for (var hops = 0; hops < options.Value.MaxRedirects && IsRedirect(response) && response.Headers.Location is { } location; hops++)
        {
            var target = location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location);
            if (Uri.Compare(target, request.RequestUri, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) != 0)
            {
                return response;
            }

            var next = new HttpRequestMessage(Rewrites(response.StatusCode, request.Method) ? HttpMethod.Get : request.Method, target);
            foreach (var header in request.Headers)
            {
                next.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            if (!Rewrites(response.StatusCode, request.Method) && request.Content is not null)
            {
                return response; // a body cannot be replayed safely; report the redirect
            }

            response.Dispose();
            request = next;
            response = await base.SendAsync(request, ct);
        }

        return response;
    }

    private static bool IsRedirect(HttpResponseMessage r) => (int)r.StatusCode is 301 or 302 or 303 or 307 or 308;

    private static bool Rewrites(HttpStatusCode status, HttpMethod method) => status == HttpStatusCode.SeeOther || ((int)status is 301 or 302 && method == HttpMethod.Post);
}

/// <summary>Reads at most <see cref="OutboundOptions.MaxResponseBytes"/> of a body, whoever reads it (Refit included).</summary>
internal sealed class ResponseSizeCapHandler(IOptions<OutboundOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await base.SendAsync(request, ct);
        var max = options.Value.MaxResponseBytes;
        var cut = request.Options.TryGetValue(OutboundHttp.ReadAtMost, out var atMost) && atMost >= 0;
        if (cut)
        {
            max = Math.Min(max, atMost);
        }
        else if (response.Content.Headers.ContentLength > max)
        {
            response.Dispose();
            throw new OutboundRefusedException($"The response is larger than {max} bytes.");
        }

        var buffer = new MemoryStream();
        await using (var body = await response.Content.ReadAsStreamAsync(ct))
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await body.ReadAsync(chunk.AsMemory(0, cut ? (int)Math.Min(chunk.Length, max - buffer.Length) : chunk.Length), ct)) > 0)
            {
                if (!cut && buffer.Length + read > max)
                {
                    response.Dispose();
                    throw new OutboundRefusedException($"The response is larger than {max} bytes.");
                }

                buffer.Write(chunk, 0, read);
            }
        }

        var content = new ByteArrayContent(buffer.ToArray());
        foreach (var header in response.Content.Headers)
        {
            if (!cut || !string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        response.Content = content;
        return response;
    }
}
