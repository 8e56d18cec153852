using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Portal.Tests.Infrastructure;
using Portal.Tests.OAuth;
using Portal.Tests.Webhooks;
using static Portal.Tests.OAuth.VerificationData;

namespace Portal.Tests.MultiInstance;

/// <summary>Issue 13: flows and replays that start on one instance and finish on the other.</summary>
[Trait("Category", "MultiInstance")]
public sealed class SharedFlowsTests(TwoInstances portal, AuthorizationServerFixture server) : IClassFixture<TwoInstances>, IClassFixture<AuthorizationServerFixture>
{
    private readonly LoopbackAuthorizationServer _provider = server.Reset();

    [Fact]
    public async Task An_oauth_flow_started_on_A_completes_when_the_provider_redirects_to_B()
    {
        using var a = await portal.A.ClientAsync();
        var (integration, config) = await a.ConfigAsync("http://127.0.0.1:9", ConfigWithAuth(Auth("oauth")), _provider.BaseUrl, LoopbackAuthorizationServer.ClientId, LoopbackAuthorizationServer.ClientSecret);
        var authorizationUrl = (await a.VerifiedAsync(integration, config))["authorizationUrl"]!.GetValue<string>();
        using var atProvider = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var redirect = await atProvider.GetAsync(authorizationUrl);
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);

        using var browserAtB = portal.B.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var back = await browserAtB.GetAsync(redirect.Headers.Location!.PathAndQuery);

        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        Assert.Contains("verified=success", back.Headers.Location!.ToString(), StringComparison.Ordinal);
        var onA = await (await a.GetAsync($"{ApiTestData.Base}/integrations/{integration}/configs/{config}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("CONNECTED", onA["authStatus"]!.GetValue<string>());
        Assert.Equal(["authorization_code"], _provider.Issued);
    }

    [Fact]
    public async Task An_idempotency_key_replayed_on_B_returns_the_response_A_gave_and_rotates_nothing()
    {
        using var a = await portal.A.ClientAsync();
        using var b = await portal.B.ClientAsync();
        var (integration, config) = await a.NewConfigAsync();
        await a.GeneratedUrlAsync(integration, config);
        var key = ApiTestData.NewId("idem");

        var first = await (await a.RotateAsync(integration, config, idempotencyKey: key)).ExpectAsync(HttpStatusCode.OK);
        using var replay = await b.RotateAsync(integration, config, idempotencyKey: key);
        var again = await replay.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first["webhookUrl"]!.GetValue<string>(), again["webhookUrl"]!.GetValue<string>());
        using var provider = portal.B.CreateClient();
        using var delivered = await provider.PostAsync(new Uri(first["webhookUrl"]!.GetValue<string>()).PathAndQuery, new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Accepted, delivered.StatusCode);
    }
}
