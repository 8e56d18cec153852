using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using Portal.Tests.SigningSecrets;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Security;

/// <summary>Inputs a fuzzer found to answer 5xx: each is now a 4xx with a useful detail (XRPC: {error, message}).</summary>
public sealed class BadInputTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static async Task<string> DetailAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await response.ExpectProblemAsync(status);
        var detail = problem["detail"]?.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(detail), $"a problem needs a detail: {problem}");
        return detail!;
    }

    [Theory]
    [InlineData("""{"parametersMetadata": [null]}""", "configMetadata.parametersMetadata[0]")]
    [InlineData("""{"authMetadata": [null]}""", "configMetadata.authMetadata[0]")]
    [InlineData("""{"parametersMetadata": [{"name": "a", "rules": [null]}]}""", "configMetadata.parametersMetadata[0].rules[0]")]
    [InlineData("""{"parametersMetadata": [{"name": "a", "defaultValue": "x", "rules": [null, {"type": "notEmpty"}]}]}""", "configMetadata.parametersMetadata[0].rules[0]")]
    [InlineData("""{"parametersMetadata": [{"name": "a", "options": [null]}]}""", "configMetadata.parametersMetadata[0].options[0]")]
    [InlineData("""{"authMetadata": [{"id": "k", "type": "API_KEY", "parametersMetadata": [null]}]}""", "configMetadata.authMetadata[0].parametersMetadata[0]")]
    [InlineData("""{"authMetadata": [{"id": "k", "type": "API_KEY", "authMap": {"parametersMetadata": [null]}}]}""", "configMetadata.authMetadata[0].authMap.parametersMetadata[0]")]
    [InlineData("""{"authMetadata": [{"id": "k", "type": "API_KEY", "authSettings": {"parameters": {"scopes": [[["deep"]]]}}}]}""", "configMetadata.authMetadata[0].authSettings.parameters.scopes")]
    public async Task Null_entries_in_metadata_lists_are_a_400_naming_the_entry(string metadata, string field)
    {
        using var admin = await app.ClientAsync();
        var body = $$$"""{"id": "{{{NewId("nulls")}}}", "displayName": "Nulls", "configMetadata": {{{metadata}}} }""";

        await (await admin.PostAsync($"{Base}/integrations", Json(body))).ExpectValidationAsync(field);
    }

    [Theory]
    [InlineData("""[{"value": "eu", "displayName": 5}]""", "displayName")]
    [InlineData("""[{"value": "eu", "displayName": {"x": 1}}]""", "displayName")]
    [InlineData("""[{"value": {"x": 1}}]""", "value")]
    public async Task A_non_string_option_is_a_400_saying_which_option(string options, string what)
    {
        using var admin = await app.ClientAsync();
        var body = $$$"""{"id": "{{{NewId("opt")}}}", "displayName": "Options", "configMetadata": {"parametersMetadata": [{"name": "region", "options": {{{options}}} }]}}""";

        var detail = await DetailAsync(await admin.PostAsync($"{Base}/integrations", Json(body)), HttpStatusCode.BadRequest);
        Assert.Contains("configMetadata.parametersMetadata[0].options[0]", detail, StringComparison.Ordinal);
        Assert.Contains(what, detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("123456789012345678901234567890")]
    [InlineData("-99999999999999999999")]
    [InlineData("1e400")]
    public async Task An_integer_beyond_64_bits_in_a_Json_parameter_is_not_a_5xx(string number)
    {
        using var admin = await app.ClientAsync();
        var id = NewId("bignum");
        await admin.CreateIntegrationAsync(new JsonObject
        {
            ["id"] = id, ["displayName"] = "Big numbers",
            ["configMetadata"] = new JsonObject
            {
                ["parametersMetadata"] = new JsonArray(
                    new JsonObject { ["name"] = "blob", ["type"] = "Json", ["jsonSchema"] = JsonNode.Parse("""{"type": "object", "properties": {"n": {"type": "integer", "maximum": 10}}}""") },
                    new JsonObject { ["name"] = "free", ["type"] = "Json" },
                    new JsonObject { ["name"] = "count", ["type"] = "Integer", ["integerRange"] = new JsonObject { ["min"] = 0, ["max"] = 10 } }),
            },
        });

        var checkedBySchema = await admin.PostAsync($"{Base}/integrations/{id}/configs", Json($$$"""{"displayName": "n", "parameters": {"blob": {"n": {{{number}}} } } }"""));
        await checkedBySchema.ExpectValidationAsync("parameters.blob");
        var asInteger = await admin.PostAsync($"{Base}/integrations/{id}/configs", Json($$$"""{"displayName": "n", "parameters": {"count": {{{number}}} } }"""));
        await asInteger.ExpectValidationAsync("parameters.count");

        // Without a schema the number is kept as written, and every read of it works.
        var free = await (await admin.PostAsync($"{Base}/integrations/{id}/configs", Json($$$"""{"displayName": "n", "parameters": {"free": {{{number}}} } }"""))).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(number, free["parameters"]!["free"]!.ToJsonString());
        await (await admin.GetAsync($"{Base}/integrations/{id}/configs")).ExpectAsync(HttpStatusCode.OK);
        await (await admin.PostAsync($"{Base}/integrations/{id}/configs/{free["id"]}:publish", null)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_duplicate_key_in_an_XRPC_body_is_an_InvalidRequest()
    {
        using var admin = await app.ClientAsync();
        var name = SigningSecretTestData.NewName("dup");
        await admin.CreateSigningSecretAsync(name);

        var response = await admin.PostAsync(SigningSecretTestData.XrpcRotate, Json($$$"""{"name": "{{{name}}}", "name": "other"}"""));

        var error = await response.ExpectXrpcErrorAsync(HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.Contains("name", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_duplicate_key_in_a_REST_body_is_a_400_problem()
    {
        using var admin = await app.ClientAsync();
        var body = $$$"""{"id": "{{{NewId("dupkey")}}}", "displayName": "a", "displayName": "b"}""";

        var detail = await DetailAsync(await admin.PostAsync($"{Base}/integrations", Json(body)), HttpStatusCode.BadRequest);
        Assert.Contains("displayName", detail, StringComparison.Ordinal);
    }

    /// <summary>30 MB, sent with and without a Content-Length (chunked).</summary>
    private static HttpContent Huge(bool chunked)
    {
        var bytes = Encoding.UTF8.GetBytes("{\"gracePeriodSeconds\": 1, \"name\": \"" + new string('x', 30 * 1024 * 1024) + "\"}");
        HttpContent content = chunked ? new StreamContent(new MemoryStream(bytes)) : new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (chunked)
        {
            content.Headers.ContentLength = null;
        }

        return content;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_30_MB_body_is_a_413_problem_on_webhook_rotate_and_an_XRPC_error_on_XRPC(bool chunked)
    {
        using var admin = await app.ClientAsync();
        var id = NewId("huge");
        await admin.CreateIntegrationAsync(SmallIntegration(id));
        var config = await admin.CreateConfigAsync(id, new JsonObject { ["displayName"] = "huge" });
        var configUrl = $"{Base}/integrations/{id}/configs/{config["id"]}";
        await (await admin.PostAsync($"{configUrl}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK);

        var rotate = await admin.PostAsync($"{configUrl}/webhook:rotate", Huge(chunked));
        Assert.Contains("MiB", await DetailAsync(rotate, HttpStatusCode.RequestEntityTooLarge), StringComparison.Ordinal);

        var xrpc = await admin.PostAsync(SigningSecretTestData.XrpcRotate, Huge(chunked));
        await xrpc.ExpectXrpcErrorAsync(HttpStatusCode.RequestEntityTooLarge, "PayloadTooLarge");

        var create = await admin.PostAsync($"{Base}/integrations", Huge(chunked));
        await DetailAsync(create, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Twenty_concurrent_secret_rotations_of_one_client_never_fail_with_a_5xx_and_leave_one_working_secret()
    {
        using var admin = await app.ClientAsync();
        var created = await (await admin.PostAsJsonAsync($"{Base}/api-clients", new { displayName = "busy", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        var clientId = created["clientId"]!.GetValue<string>();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => admin.PostAsync($"{Base}/api-clients/{clientId}:rotateSecret", null)));

        var secrets = new List<string>();
        foreach (var response in responses)
        {
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                await DetailAsync(response, HttpStatusCode.Conflict);
                continue;
            }

            secrets.Add((await response.ExpectAsync(HttpStatusCode.OK))["clientSecret"]!.GetValue<string>());
        }

        Assert.NotEmpty(secrets);
        // The client's current secret is the one its listed prefix names; try it first, so the per-client failure
        // throttle (5 refusals, then 429 even for the right secret) cannot hide it. Every other one must be refused.
        var listed = (await (await admin.GetAsync($"{Base}/api-clients?take=500")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray()
            .Single(c => c!["clientId"]!.GetValue<string>() == clientId)!["secretPrefix"]?.GetValue<string>() ?? "";
        secrets = [.. secrets.OrderByDescending(s => listed.Length > 4 && s.StartsWith(listed, StringComparison.Ordinal))];
        var working = new List<string>();
        foreach (var secret in secrets)
        {
            using var http = app.CreateClient();
            using var token = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
            }));
            if (token.IsSuccessStatusCode)
            {
                working.Add(secret);
            }
        }

        Assert.Single(working);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("""{"id": "x", "displayName": 5}""", "$.displayName")]
    [InlineData("""{"id": "x", "displayName": "x", "tags": "crm"}""", "$.tags")]
    [InlineData("""{"id": "x", "displayName": "x", "type": "NOPE"}""", "$.type")]
    [InlineData("[]", "not valid JSON")]
    public async Task A_body_that_does_not_bind_is_a_400_problem_with_the_reason(string body, string expected)
    {
        using var admin = await app.ClientAsync();

        var detail = await DetailAsync(await admin.PostAsync($"{Base}/integrations", Json(body)), HttpStatusCode.BadRequest);

        Assert.Contains(expected, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_body_is_never_echoed_back_or_logged()
    {
        // .NET's reader quotes everything after a broken literal in its message; a secret may follow it.
        const string secret = "sk-live-never-echo-0b7d1c";
        using var admin = await app.ClientAsync();
        var body = $$$"""{"id": "x", "displayName": tb, "configMetadata": {"authMetadata": [{"authSettings": {"parameters": {"clientSecret": "{{{secret}}}" } } } ] } }""";

        var detail = await DetailAsync(await admin.PostAsync($"{Base}/integrations", Json(body)), HttpStatusCode.BadRequest);

        Assert.Contains("line 1", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, detail, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, app.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_body_or_a_query_value_that_does_not_bind_is_a_400_problem_with_the_reason()
    {
        using var admin = await app.ClientAsync();

        Assert.Contains("body", await DetailAsync(await admin.PostAsync($"{Base}/integrations", Json("")), HttpStatusCode.BadRequest), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("skip", await DetailAsync(await admin.GetAsync($"{Base}/integrations?skip=lots"), HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }
}
