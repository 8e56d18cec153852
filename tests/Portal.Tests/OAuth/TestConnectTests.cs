using System.Net;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.OAuth.VerificationData;

namespace Portal.Tests.OAuth;

/// <summary>Seed 000 :verifyAuth and seed 001 :verifyConfig against a real loopback server that checks the credential.</summary>
public sealed class TestConnectTests(PortalApplication app) : IClassFixture<PortalApplication>, IAsyncLifetime
{
    private LoopbackUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await LoopbackUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private static void Succeeded(JsonObject result)
    {
        Assert.True(result["success"]!.GetValue<bool>(), $"expected success: {result}");
        Assert.Null(result["error"]);
    }

    private static string Failed(JsonObject result)
    {
        Assert.False(result["success"]!.GetValue<bool>(), $"expected failure: {result}");
        return result["error"]!.GetValue<string>();
    }

    [Fact]
    public async Task The_right_api_key_in_the_header_verifies()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("key", Key(LoopbackUpstream.ApiKey))));
        Succeeded(await http.VerifiedAsync(integration, config));
    }

    [Fact]
    public async Task A_wrong_api_key_fails_with_the_status_and_without_the_key()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("key", Key("wrong-key-e1c9"))));
        var result = await http.VerifiedAsync(integration, config);
        var error = Failed(result);
        Assert.Contains("401", error);
        Assert.DoesNotContain("wrong-key-e1c9", result.ToJsonString());
        Assert.DoesNotContain("wrong-key-e1c9", app.Logs.All);
    }

    [Theory]
    [InlineData("custom", "apiKey", LoopbackUpstream.ApiKey)]
    [InlineData("query", "apiKey", LoopbackUpstream.ApiKey)]
    [InlineData("bearer", "token", LoopbackUpstream.Token)]
    public async Task Each_way_of_sending_a_credential_reaches_the_upstream(string method, string parameter, string value)
    {
        using var http = await app.ClientAsync();
        var (integration, good) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth(method, new JsonObject { [parameter] = value })));
        var bad = (await http.CreateConfigAsync(integration, ConfigWithAuth(Auth(method, new JsonObject { [parameter] = "not-it" }))))["id"]!.GetValue<string>();
        Succeeded(await http.VerifiedAsync(integration, good));
        Assert.Contains("401", Failed(await http.VerifiedAsync(integration, bad)));
        Assert.DoesNotContain(value, app.Logs.All);
    }

    [Fact]
    public async Task Basic_auth_sends_the_username_and_password()
    {
        using var http = await app.ClientAsync();
        var auth = Auth("basic", new JsonObject { ["username"] = LoopbackUpstream.User, ["password"] = LoopbackUpstream.Password });
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(auth));
        Succeeded(await http.VerifiedAsync(integration, config));

        var wrong = Auth("basic", new JsonObject { ["username"] = LoopbackUpstream.User, ["password"] = "nope-3d" });
        var other = (await http.CreateConfigAsync(integration, ConfigWithAuth(wrong)))["id"]!.GetValue<string>();
        Assert.Contains("401", Failed(await http.VerifiedAsync(integration, other)));
    }

    [Fact]
    public async Task A_server_error_is_reported_with_its_status()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("broken", Key(LoopbackUpstream.ApiKey))));
        Assert.StartsWith("HTTP 503", Failed(await http.VerifiedAsync(integration, config)));
    }

    [Fact]
    public async Task Every_auth_map_entry_is_verified_on_its_own_and_authMapIndex_picks_one()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuthMap(
            ("eu", Auth("key", Key(LoopbackUpstream.ApiKey))),
            ("us", Auth("key", Key("stale-us-key"))),
            ("apac", Auth("bearer", new JsonObject { ["token"] = LoopbackUpstream.Token }))));

        var all = await http.VerifiedAsync(integration, config);
        Failed(all);
        var entries = all["authMapResults"]!.AsArray();
        Assert.Equal(["eu", "us", "apac"], entries.Select(e => e!["key"]!.GetValue<string>()));
        Assert.Equal([0, 1, 2], entries.Select(e => e!["index"]!.GetValue<int>()));
        Assert.Equal([true, false, true], entries.Select(e => e!["success"]!.GetValue<bool>()));
        Assert.Contains("401", entries[1]!["error"]!.GetValue<string>());

        var second = await http.VerifiedAsync(integration, config, authMapIndex: 2);
        Succeeded(second);
        Assert.Equal("apac", second["authMapResults"]!.AsArray().Single()!["key"]!.GetValue<string>());
        Assert.Contains("401", Failed(await http.VerifiedAsync(integration, config, authMapIndex: 1)));
    }

    [Fact]
    public async Task An_authMapIndex_out_of_range_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuthMap(("eu", Auth("key", Key(LoopbackUpstream.ApiKey)))));
        await (await http.VerifyAuthAsync(integration, config, authMapIndex: 1)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await http.VerifyAuthAsync(integration, config, authMapIndex: -1)).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_config_with_neither_auth_nor_authMap_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, new JsonObject { ["displayName"] = "No auth" });
        var problem = await (await http.VerifyAuthAsync(integration, config)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("neither auth nor authMap", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_viewer_cannot_verify()
    {
        using var admin = await app.ClientAsync();
        var (integration, config) = await admin.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("key", Key(LoopbackUpstream.ApiKey))));
        using var viewer = await app.ClientWithRoleAsync("Viewer");
        await (await viewer.VerifyAuthAsync(integration, config)).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_same_host_redirect_is_followed()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("same", Key(LoopbackUpstream.ApiKey))));
        Succeeded(await http.VerifiedAsync(integration, config));
    }

    [Fact]
    public async Task A_redirect_to_another_host_is_not_followed_with_the_credential()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("away", Key(LoopbackUpstream.ApiKey))));
        var error = Failed(await http.VerifiedAsync(integration, config));
        Assert.Contains("302", error);
        Assert.Empty(_upstream.Captured);
    }

    [Fact]
    public async Task Candidate_credentials_are_tested_before_saving()
    {
        using var http = await app.ClientAsync();
        var (integration, _) = await http.ConfigAsync(_upstream.BaseUrl, new JsonObject { ["displayName"] = "unused" });
        Succeeded(await (await http.VerifyConfigAsync(integration, Auth("key", Key(LoopbackUpstream.ApiKey)))).ExpectAsync(HttpStatusCode.OK));
        var failed = await (await http.VerifyConfigAsync(integration, Auth("key", Key("candidate-wrong-77")))).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains("401", Failed(failed));
        Assert.DoesNotContain("candidate-wrong-77", failed.ToJsonString());
    }

    [Fact]
    public async Task VerifyConfig_is_a_400_where_the_method_does_not_support_it()
    {
        using var http = await app.ClientAsync();
        var (integration, _) = await http.ConfigAsync(_upstream.BaseUrl, new JsonObject { ["displayName"] = "unused" });
        var problem = await (await http.VerifyConfigAsync(integration, Auth("bearer", new JsonObject { ["token"] = LoopbackUpstream.Token }))).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("configTestSupported", problem["detail"]!.GetValue<string>());
        await (await http.VerifyConfigAsync(integration, Auth("nope"))).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_verifyConfig_route_does_not_shadow_the_integration_route()
    {
        using var http = await app.ClientAsync();
        var (integration, _) = await http.ConfigAsync(_upstream.BaseUrl, new JsonObject { ["displayName"] = "unused" });
        var fetched = await (await http.GetAsync($"{Infrastructure.ApiTestData.Base}/integrations/{integration}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(integration, fetched["id"]!.GetValue<string>());
        await (await http.VerifyConfigAsync("missing-integration", Auth("key", Key("x")))).ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
