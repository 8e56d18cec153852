using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.OAuth.VerificationData;

namespace Portal.Tests.OAuth;

/// <summary>What a :verifyAuth proves is what the config says: CONNECTED with lastVerifiedAt, or the failure in lastVerification.</summary>
public sealed class ConnectionStateTests(PortalApplication app) : IClassFixture<PortalApplication>, IAsyncLifetime
{
    private LoopbackUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await LoopbackUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private static string ConfigUrl(string integration, string config) => $"{ApiTestData.Base}/integrations/{integration}/configs/{config}";

    private static async Task<JsonObject> GetConfigAsync(HttpClient http, string integration, string config) =>
        await (await http.GetAsync(ConfigUrl(integration, config))).ExpectAsync(HttpStatusCode.OK);

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Fact]
    public async Task A_successful_test_connect_marks_the_config_connected_with_the_time_it_was_proven()
    {
        // seed 000: "tests whether the stored credentials can successfully connect to the integration"
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("key", Key(LoopbackUpstream.ApiKey))));
        Assert.Equal("NOT_CONNECTED", (await GetConfigAsync(http, integration, config))["authStatus"]!.GetValue<string>());
        var before = Now;

        Assert.True((await http.VerifiedAsync(integration, config))["success"]!.GetValue<bool>());

        var after = await GetConfigAsync(http, integration, config);
        Assert.Equal("CONNECTED", after["authStatus"]!.GetValue<string>());
        var verifiedAt = after["lastVerifiedAt"]!.GetValue<long>();
        Assert.InRange(verifiedAt, before, Now);
        Assert.Equal(verifiedAt, after["lastVerification"]!["at"]!.GetValue<long>());
        Assert.True(after["lastVerification"]!["success"]!.GetValue<bool>());
        Assert.Null(after["lastVerification"]!["error"]);
    }

    [Fact]
    public async Task A_failed_test_connect_is_recorded_with_its_reason_and_the_config_is_not_connected()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("key", Key("wrong-key-5e0b"))));
        var before = Now;

        var result = await http.VerifiedAsync(integration, config);

        var after = await GetConfigAsync(http, integration, config);
        Assert.Equal("NOT_CONNECTED", after["authStatus"]!.GetValue<string>());
        Assert.Null(after["lastVerifiedAt"]);
        var last = after["lastVerification"]!;
        Assert.False(last["success"]!.GetValue<bool>());
        Assert.InRange(last["at"]!.GetValue<long>(), before, Now);
        Assert.Equal(result["error"]!.GetValue<string>(), last["error"]!.GetValue<string>());
        Assert.Contains("401", last["error"]!.GetValue<string>());
        Assert.DoesNotContain("wrong-key-5e0b", after.ToJsonString());
    }

    [Fact]
    public async Task New_credentials_reset_the_config_to_not_connected_and_other_changes_do_not()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("key", Key(LoopbackUpstream.ApiKey))));
        await http.VerifiedAsync(integration, config);

        var renamed = await (await http.PatchAsJsonAsync(ConfigUrl(integration, config), new JsonObject { ["displayName"] = "Renamed" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("CONNECTED", renamed["authStatus"]!.GetValue<string>());

        var patched = await (await http.PatchAsJsonAsync(ConfigUrl(integration, config), new JsonObject { ["auth"] = Auth("key", Key("a-new-key-2b")) })).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("NOT_CONNECTED", patched["authStatus"]!.GetValue<string>());
        Assert.Null(patched["lastVerifiedAt"]);
        Assert.Null(patched["lastVerification"]);
        Assert.Equal("NOT_CONNECTED", (await GetConfigAsync(http, integration, config))["authStatus"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_connected_config_whose_test_fails_later_is_no_longer_connected_but_keeps_when_it_was_last_proven()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("key", Key(LoopbackUpstream.ApiKey))));
        await http.VerifiedAsync(integration, config);
        var proven = (await GetConfigAsync(http, integration, config))["lastVerifiedAt"]!.GetValue<long>();

        // The integration's test URL now answers 503: the same stored key no longer verifies.
        var body = Integration(integration, _upstream.BaseUrl);
        body["configMetadata"]!["authMetadata"]![0]!["authSettings"]!["parameters"]!["testUrl"] = $"{_upstream.BaseUrl}/broken";
        await (await http.PutAsJsonAsync($"{ApiTestData.Base}/integrations/{integration}", body)).ExpectAsync(HttpStatusCode.OK);
        var result = await http.VerifiedAsync(integration, config);

        var after = await GetConfigAsync(http, integration, config);
        Assert.False(result["success"]!.GetValue<bool>());
        Assert.Equal("NOT_CONNECTED", after["authStatus"]!.GetValue<string>());
        Assert.Equal(proven, after["lastVerifiedAt"]!.GetValue<long>());
        Assert.StartsWith("HTTP 503", after["lastVerification"]!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_auth_map_is_connected_only_when_every_entry_was_proven()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuthMap(
            ("eu", Auth("key", Key(LoopbackUpstream.ApiKey))),
            ("us", Auth("key", Key(LoopbackUpstream.ApiKey)))));

        await http.VerifiedAsync(integration, config, authMapIndex: 0);
        Assert.Equal("NOT_CONNECTED", (await GetConfigAsync(http, integration, config))["authStatus"]!.GetValue<string>());

        await http.VerifiedAsync(integration, config);
        Assert.Equal("CONNECTED", (await GetConfigAsync(http, integration, config))["authStatus"]!.GetValue<string>());
    }
    [Fact]
    public async Task A_rollback_to_other_credentials_is_not_connected_and_to_the_same_ones_stays_connected()
    {
        using var http = await app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("key", Key("first-key-0c"))));
        var url = ConfigUrl(integration, config);
        var first = (await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();
        await (await http.PatchAsJsonAsync(url, new JsonObject { ["auth"] = Auth("key", Key(LoopbackUpstream.ApiKey)) })).ExpectAsync(HttpStatusCode.OK);
        var second = (await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();
        await http.VerifiedAsync(integration, config);
        Assert.Equal("CONNECTED", (await GetConfigAsync(http, integration, config))["authStatus"]!.GetValue<string>());

        var same = await (await http.PostAsJsonAsync($"{url}:rollback", new { revisionId = second })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("CONNECTED", same["authStatus"]!.GetValue<string>());

        var other = await (await http.PostAsJsonAsync($"{url}:rollback", new { revisionId = first })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("NOT_CONNECTED", other["authStatus"]!.GetValue<string>());
        Assert.Null(other["lastVerifiedAt"]);
    }
}
