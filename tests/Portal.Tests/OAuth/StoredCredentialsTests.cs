using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.OAuth.VerificationData;

namespace Portal.Tests.OAuth;

/// <summary>
/// Seed 001 :verifyConfig with an empty body tests the integration's stored credentials
/// (its authSettings, for every configTestSupported method) against a real loopback server.
/// </summary>
public sealed class StoredCredentialsTests(PortalApplication app) : IClassFixture<PortalApplication>, IAsyncLifetime
{
    private LoopbackUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await LoopbackUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private string VerifyUrl(string integration) => $"{ApiTestData.Base}/integrations/{integration}:verifyConfig";

    private static JsonObject Secret(string name) => new() { ["name"] = name, ["type"] = "String", ["secret"] = true };

    /// <summary>An integration whose auth methods keep their credential in authSettings: "key" (X-Api-Key at /ping), optionally more.</summary>
    private async Task<string> IntegrationAsync(string storedKey, params JsonObject[] more)
    {
        var id = ApiTestData.NewId("stored");
        var methods = new JsonArray
        {
            new JsonObject
            {
                ["id"] = "key", ["type"] = "API_KEY", ["configTestSupported"] = true,
                ["authSettings"] = new JsonObject { ["parameters"] = new JsonObject { ["testUrl"] = $"{_upstream.BaseUrl}/ping", ["apiKey"] = storedKey } },
                ["parametersMetadata"] = new JsonArray(Secret("apiKey")),
            },
        };
        foreach (var method in more)
        {
            methods.Add(method);
        }

        using var http = await app.ClientAsync();
        await http.CreateIntegrationAsync(new JsonObject
        {
            ["id"] = id, ["displayName"] = "Stored",
            ["configMetadata"] = new JsonObject { ["parametersMetadata"] = new JsonArray(), ["authMetadata"] = methods },
        });
        return id;
    }

    private static JsonObject Method(string id, string type, JsonObject settings, bool configTest = true) => new()
    {
        ["id"] = id, ["type"] = type, ["configTestSupported"] = configTest,
        ["authSettings"] = new JsonObject { ["parameters"] = settings },
    };

    private static void MethodResult(JsonObject result, string method, bool success)
    {
        var entry = result["authMethodResults"]!.AsArray().Single(r => r!["authMetadataId"]!.GetValue<string>() == method)!;
        Assert.Equal(success, entry["success"]!.GetValue<bool>());
    }

    public static TheoryData<string> EmptyBodies => ["none", "zero-bytes-json", "{}", "null"];

    [Theory]
    [MemberData(nameof(EmptyBodies))]
    public async Task An_empty_body_tests_the_stored_api_key_and_it_works(string body)
    {
        // seed 001: "use `:verifyConfig` to confirm credentials still authenticate without retrieving them"
        var integration = await IntegrationAsync(LoopbackUpstream.ApiKey);
        using var http = await app.ClientAsync();
        var content = body switch
        {
            "none" => null,
            "zero-bytes-json" => new ByteArrayContent([]) { Headers = { ContentType = new("application/json") } },
            _ => new StringContent(body, Encoding.UTF8, "application/json"),
        };

        var result = await (await http.PostAsync(VerifyUrl(integration), content)).ExpectAsync(HttpStatusCode.OK);

        Assert.True(result["success"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Null(result["error"]);
        MethodResult(result, "key", success: true);
        Assert.DoesNotContain(LoopbackUpstream.ApiKey, result.ToJsonString());
    }

    [Fact]
    public async Task A_wrong_stored_key_fails_with_a_reason_and_never_shows_the_key()
    {
        var integration = await IntegrationAsync("stale-stored-key-4c1d");
        using var http = await app.ClientAsync();

        var result = await (await http.PostAsync(VerifyUrl(integration), null)).ExpectAsync(HttpStatusCode.OK);

        Assert.False(result["success"]!.GetValue<bool>());
        Assert.Contains("401", result["error"]!.GetValue<string>());
        MethodResult(result, "key", success: false);
        Assert.DoesNotContain("stale-stored-key-4c1d", result.ToJsonString());
        Assert.DoesNotContain("stale-stored-key-4c1d", app.Logs.All);
    }

    [Fact]
    public async Task Every_config_test_supported_method_is_tested_and_reported_on_its_own()
    {
        var integration = await IntegrationAsync(
            LoopbackUpstream.ApiKey,
            Method("custom", "API_KEY", new JsonObject { ["testUrl"] = $"{_upstream.BaseUrl}/custom-header", ["headerName"] = "X-Custom-Key", ["API_KEY"] = "wrong-custom-9e" }),
            Method("basic", "BASIC", new JsonObject { ["testUrl"] = $"{_upstream.BaseUrl}/basic", ["username"] = LoopbackUpstream.User, ["Password"] = LoopbackUpstream.Password }),
            Method("bearer", "BEARER_TOKEN", new JsonObject { ["testUrl"] = $"{_upstream.BaseUrl}/broken", ["token"] = "never-tested" }, configTest: false));
        using var http = await app.ClientAsync();

        var result = await (await http.PostAsync(VerifyUrl(integration), null)).ExpectAsync(HttpStatusCode.OK);

        Assert.False(result["success"]!.GetValue<bool>());
        Assert.Equal("1 of 3 auth methods failed verification.", result["error"]!.GetValue<string>());
        Assert.Equal(["key", "custom", "basic"], result["authMethodResults"]!.AsArray().Select(r => r!["authMetadataId"]!.GetValue<string>()));
        MethodResult(result, "key", success: true);
        MethodResult(result, "custom", success: false);
        MethodResult(result, "basic", success: true);
    }

    [Fact]
    public async Task Values_in_the_body_override_the_stored_ones_for_one_test_and_are_not_saved()
    {
        var integration = await IntegrationAsync("stale-stored-key-77aa");
        using var http = await app.ClientAsync();
        var before = await (await http.GetAsync($"{ApiTestData.Base}/integrations/{integration}")).ExpectAsync(HttpStatusCode.OK);

        var overridden = await (await http.VerifyConfigAsync(integration, Auth("key", Key(LoopbackUpstream.ApiKey)))).ExpectAsync(HttpStatusCode.OK);
        Assert.True(overridden["success"]!.GetValue<bool>(), overridden.ToJsonString());

        // Without the override the stored (wrong) key is tested again: the candidate was not saved.
        var stored = await (await http.PostAsync(VerifyUrl(integration), null)).ExpectAsync(HttpStatusCode.OK);
        Assert.False(stored["success"]!.GetValue<bool>());
        Assert.Contains("401", stored["error"]!.GetValue<string>());
        var after = await (await http.GetAsync($"{ApiTestData.Base}/integrations/{integration}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(before["modifiedAt"]!.GetValue<long>(), after["modifiedAt"]!.GetValue<long>());
    }

    [Fact]
    public async Task An_integration_of_another_tenant_is_a_404()
    {
        var integration = await IntegrationAsync(LoopbackUpstream.ApiKey);
        using var other = await app.OtherTenantClientAsync("verify-other");

        var problem = await (await other.PostAsync($"/v1/tenants/verify-other/integrations/{integration}:verifyConfig", null)).ExpectProblemAsync(HttpStatusCode.NotFound);

        Assert.Contains(integration, problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_viewer_cannot_verify_stored_credentials_like_verifyAuth()
    {
        var integration = await IntegrationAsync(LoopbackUpstream.ApiKey);
        using var viewer = await app.ClientWithRoleAsync("Viewer");

        var problem = await (await viewer.PostAsync(VerifyUrl(integration), null)).ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Contains("only an Admin", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Nothing_to_test_is_a_400_that_says_why()
    {
        using var http = await app.ClientAsync();
        var id = ApiTestData.NewId("stored");
        await http.CreateIntegrationAsync(ApiTestData.SmallIntegration(id));

        var problem = await (await http.PostAsync(VerifyUrl(id), null)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("configTestSupported", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_problem_not_an_error()
    {
        var integration = await IntegrationAsync(LoopbackUpstream.ApiKey);
        using var http = await app.ClientAsync();

        var malformed = await (await http.PostAsync(VerifyUrl(integration), new StringContent("{\"auth\":", Encoding.UTF8, "application/json"))).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("not valid JSON", malformed["detail"]!.GetValue<string>());
        await (await http.PostAsync(VerifyUrl(integration), new StringContent("apiKey=x", Encoding.UTF8, "application/x-www-form-urlencoded"))).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }
}
