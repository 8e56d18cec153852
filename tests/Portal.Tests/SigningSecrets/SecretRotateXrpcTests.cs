using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.SigningSecrets.SigningSecretTestData;

namespace Portal.Tests.SigningSecrets;

/// <summary>Seed 003, sentence by sentence: <c>POST /xrpc/place.wisp.v2.secret.rotate</c>.</summary>
public sealed class SecretRotateXrpcTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task Rotate_generates_a_new_standard_webhooks_token()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("gen");
        var before = await admin.CreateSigningSecretAsync(name);

        var rotated = await (await admin.XrpcRotateAsync(new { name })).ExpectAsync(HttpStatusCode.OK);

        var token = rotated["token"]!.GetValue<string>();
        Assert.NotEqual(before, token);
        Assert.StartsWith("whsec_", token, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(token["whsec_".Length..]).Length);
    }

    [Fact]
    public async Task The_old_token_stops_working_immediately()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("old");
        var old = await admin.CreateSigningSecretAsync(name);
        Assert.Equal(new[] { old }, await app.UsableTokensAsync(name));

        var rotated = await (await admin.XrpcRotateAsync(new { name })).ExpectAsync(HttpStatusCode.OK);

        // What a webhook verifier would accept right after the response: only the new token.
        Assert.Equal(new[] { rotated["token"]!.GetValue<string>() }, await app.UsableTokensAsync(name));
        var audit = await (await admin.GetAsync($"/v1/tenants/default/audit?action=key.revoke&target=signing-secrets/{name}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(old[..14], Assert.Single(audit["items"]!.AsArray())!["keyPrefix"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_new_token_is_only_returned_in_this_response()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("once");
        await admin.CreateSigningSecretAsync(name);
        var token = (await (await admin.XrpcRotateAsync(new { name })).ExpectAsync(HttpStatusCode.OK))["token"]!.GetValue<string>();

        var list = await (await admin.GetAsync(Secrets)).Content.ReadAsStringAsync();
        var audit = await (await admin.GetAsync("/v1/tenants/default/audit?take=500")).Content.ReadAsStringAsync();
        var openApi = await (await admin.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync();
        Assert.Contains(name, list, StringComparison.Ordinal);
        Assert.Contains(token[..14], list, StringComparison.Ordinal); // the list shows the prefix...
        foreach (var (what, text) in new[] { ("list", list), ("audit", audit), ("openapi", openApi), ("logs", app.Logs.All) })
        {
            Assert.False(text.Contains(token, StringComparison.Ordinal), $"the token appeared in the {what}"); // ...never the token
            Assert.False(text.Contains(token["whsec_".Length..], StringComparison.Ordinal), $"the token's base64 appeared in the {what}");
        }
    }

    [Fact]
    public async Task The_output_is_exactly_name_token_and_an_RFC_3339_rotatedAt()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("shape");
        await admin.CreateSigningSecretAsync(name);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var response = await admin.XrpcRotateAsync(new { name });

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var output = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(new[] { "name", "rotatedAt", "token" }, output.Select(p => p.Key).Order().ToArray());
        Assert.Equal(name, output["name"]!.GetValue<string>());
        var rotatedAt = output["rotatedAt"]!.GetValue<string>();
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", rotatedAt);
        var parsed = DateTimeOffset.Parse(rotatedAt, CultureInfo.InvariantCulture);
        Assert.InRange(parsed, before, DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task A_request_without_a_token_is_AuthenticationRequired()
    {
        using var anonymous = app.CreateClient();
        var response = await anonymous.XrpcRotateAsync(new { name = "anything" });
        await response.ExpectXrpcErrorAsync(HttpStatusCode.Unauthorized, "AuthenticationRequired");
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_with_an_invalid_token_is_AuthenticationRequired()
    {
        using var forged = app.CreateClient();
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "eyJhbGciOiJIUzI1NiJ9.eyJ0ZW5hbnQiOiJkZWZhdWx0In0.c2lnbmF0dXJl");
        await (await forged.XrpcRotateAsync(new { name = "anything" })).ExpectXrpcErrorAsync(HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }

    [Fact]
    public async Task An_unknown_name_is_NotFound()
    {
        using var admin = await app.ClientAsync();
        await (await admin.XrpcRotateAsync(new { name = NewName("missing") })).ExpectXrpcErrorAsync(HttpStatusCode.BadRequest, "NotFound");
    }

    [Fact]
    public async Task The_tenant_comes_from_the_bearer_token_so_another_tenants_name_is_NotFound()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("mine");
        var token = await admin.CreateSigningSecretAsync(name);
        using var other = await app.OtherTenantClientAsync("xrpc-other");

        await (await other.XrpcRotateAsync(new { name })).ExpectXrpcErrorAsync(HttpStatusCode.BadRequest, "NotFound");

        Assert.Equal(new[] { token }, await app.UsableTokensAsync(name));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"name\": 42}")]
    [InlineData("{\"name\": \"has space\"}")]
    [InlineData("{\"name\": \"..\"}")]
    [InlineData("{\"name\": \"slash/inside\"}")]
    [InlineData("[\"name\"]")]
    [InlineData("{\"name\": ")]
    [InlineData("not json")]
    public async Task Malformed_input_is_InvalidRequest(string body)
    {
        using var admin = await app.ClientAsync();
        var response = await admin.PostAsync(XrpcRotate, new StringContent(body, Encoding.UTF8, "application/json"));
        await response.ExpectXrpcErrorAsync(HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task Input_without_a_content_type_is_InvalidRequest()
    {
        using var admin = await app.ClientAsync();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"name\":\"x\"}"));
        var response = await admin.PostAsync(XrpcRotate, content);
        await response.ExpectXrpcErrorAsync(HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task Input_in_another_encoding_is_refused_as_InvalidRequest_with_415()
    {
        using var admin = await app.ClientAsync();
        var response = await admin.PostAsync(XrpcRotate, new StringContent("name=x", Encoding.UTF8, "application/x-www-form-urlencoded"));
        var error = await response.ExpectXrpcErrorAsync(HttpStatusCode.UnsupportedMediaType, "InvalidRequest");
        Assert.Contains("application/json", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calling_the_procedure_with_GET_is_an_XRPC_InvalidRequest()
    {
        using var admin = await app.ClientAsync();
        var response = await admin.GetAsync(XrpcRotate);
        await response.ExpectXrpcErrorAsync(HttpStatusCode.MethodNotAllowed, "InvalidRequest");
    }

    [Fact]
    public async Task A_viewer_is_refused_with_an_XRPC_error_and_the_token_keeps_working()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("viewer");
        var token = await admin.CreateSigningSecretAsync(name);
        using var viewer = await app.ClientWithRoleAsync("Viewer");

        await (await viewer.XrpcRotateAsync(new { name })).ExpectXrpcErrorAsync(HttpStatusCode.Forbidden, "Forbidden");

        Assert.Equal(new[] { token }, await app.UsableTokensAsync(name));
    }

    [Fact]
    public async Task An_unknown_XRPC_method_answers_in_the_XRPC_error_shape()
    {
        using var admin = await app.ClientAsync();
        var response = await admin.PostAsJsonAsync("/xrpc/place.wisp.v2.secret.nothing", new { name = "x" });
        await response.ExpectXrpcErrorAsync(HttpStatusCode.NotImplemented, "MethodNotImplemented");
    }

    [Fact]
    public async Task A_retried_rotation_with_the_same_idempotency_key_returns_the_same_token_without_rotating_again()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("idem");
        await admin.CreateSigningSecretAsync(name);

        async Task<JsonObject> Rotate(string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, XrpcRotate) { Content = JsonContent.Create(new { name }) };
            request.Headers.Add("Idempotency-Key", key);
            return await (await admin.SendAsync(request)).ExpectAsync(HttpStatusCode.OK);
        }

        var first = await Rotate($"xrpc-{name}");
        var replay = await Rotate($"xrpc-{name}");

        Assert.Equal(first["token"]!.GetValue<string>(), replay["token"]!.GetValue<string>());
        Assert.Equal(new[] { first["token"]!.GetValue<string>() }, await app.UsableTokensAsync(name));
    }

    [Fact]
    public async Task The_OpenAPI_document_names_the_operation_after_the_lexicon_with_its_input_and_output()
    {
        using var http = app.CreateClient();
        var document = await (await http.GetAsync("/openapi/v1.json")).ExpectAsync(HttpStatusCode.OK);

        var operation = document["paths"]![XrpcRotate]!["post"]!;
        Assert.Equal("place.wisp.v2.secret.rotate", operation["operationId"]!.GetValue<string>());
        Assert.NotNull(operation["requestBody"]!["content"]!["application/json"]);
        Assert.NotNull(operation["responses"]!["200"]);
        Assert.NotNull(operation["responses"]!["401"]);
    }
}
