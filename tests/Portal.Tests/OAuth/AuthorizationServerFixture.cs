namespace Portal.Tests.OAuth;

/// <summary>One authorization server for the class (starting OpenIddict is slow on a busy machine); each test resets its switches.</summary>
public sealed class AuthorizationServerFixture : IAsyncLifetime
{
    public const string Callback = "http://localhost/oauth/callback";

    private LoopbackAuthorizationServer? _server;

    public LoopbackAuthorizationServer Reset()
    {
        var server = _server!;
        server.DenyNext = false;
        server.RefuseRefresh = false;
        server.Issued.Clear();
        return server;
    }

    public async Task InitializeAsync() => _server = await LoopbackAuthorizationServer.StartAsync(Callback);

    public async Task DisposeAsync() => await _server!.DisposeAsync();
}
