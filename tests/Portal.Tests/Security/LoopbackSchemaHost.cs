using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Portal.Tests.Security;

/// <summary>
/// A TCP listener on 127.0.0.1 that counts every connection and answers each with a small JSON Schema, as a host a
/// remote <c>$ref</c> could point at. The portal must never connect to it.
/// </summary>
public sealed class LoopbackSchemaHost : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _connections;

    public LoopbackSchemaHost()
    {
        _listener.Start();
        _loop = AcceptAsync();
    }

    public string Url(string path = "/schema.json") => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}";

    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = AnswerAsync(client);
        }
    }

    private static async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[4096];
                _ = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
                const string schema = """{"type":"string"}""";
                var response = $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {schema.Length}\r\nConnection: close\r\n\r\n{schema}";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
