using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.OpenApi;

/// <summary>The OpenAPI document is one a client can be generated from: what a generator reads is what the API does.</summary>
public sealed partial class OpenApiDocumentTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    private async Task<JsonObject> DocumentAsync()
    {
        using var http = app.CreateClient();
        return await (await http.GetAsync("/openapi/v1.json")).ExpectAsync(HttpStatusCode.OK);
    }

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonObject doc) =>
        doc["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Where(o => Methods.Contains(o.Key)).Select(o => (p.Key, o.Key, o.Value!.AsObject())));

    [Fact]
    public async Task Every_path_parameter_is_declared_on_every_operation_with_a_description()
    {
        var doc = await DocumentAsync();
        var missing = new List<string>();
        foreach (var (path, method, operation) in Operations(doc))
        {
            var declared = (operation["parameters"]?.AsArray() ?? []).Select(p => p!.AsObject()).Where(p => p["in"]?.GetValue<string>() == "path").ToList();
            foreach (Match match in PathParameter().Matches(path))
            {
                var parameter = declared.FirstOrDefault(p => p["name"]!.GetValue<string>() == match.Groups[1].Value);
                if (parameter is null || parameter["required"]?.GetValue<bool>() != true || string.IsNullOrWhiteSpace(parameter["description"]?.GetValue<string>()))
                {
                    missing.Add($"{method.ToUpperInvariant()} {path}: {match.Groups[1].Value}");
                }
            }
        }

        // The tenant is bound by the route group; a generator that never sees it gives clients no way to pass it.
        Assert.True(missing.Count == 0, "undeclared path parameters:\n" + string.Join("\n", missing));
        var create = doc["paths"]!["/v1/tenants/{tenant}/integrations"]!["post"]!["parameters"]!.AsArray();
        Assert.Contains(create, p => p!["name"]!.GetValue<string>() == "tenant" && p["in"]!.GetValue<string>() == "path");
    }

    [Fact]
    public async Task The_server_url_has_no_trailing_slash()
    {
        var doc = await DocumentAsync();
        var servers = doc["servers"]!.AsArray();
        Assert.NotEmpty(servers);
        Assert.All(servers, s => Assert.False(s!["url"]!.GetValue<string>().EndsWith('/'), s["url"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Numbers_are_numbers_enums_are_strings_and_optional_bodies_have_no_required_members()
    {
        var doc = await DocumentAsync();
        var schemas = doc["components"]!["schemas"]!.AsObject();

        // createdAt is always written as a number: clients must not get `number | string`.
        var config = schemas.First(s => s.Key.StartsWith("ConfigView", StringComparison.Ordinal) || s.Key == "ConfigView").Value!;
        Assert.Equal("integer", config["properties"]!["createdAt"]!["type"]!.GetValue<string>());
        var mixed = new List<string>();
        Walk(doc["components"]!, "#/components", mixed);
        foreach (var (path, method, operation) in Operations(doc))
        {
            Walk(operation["parameters"], $"{method} {path}", mixed);
        }

        Assert.True(mixed.Count == 0, "number schemas that also allow strings:\n" + string.Join("\n", mixed));

        foreach (var (name, schema) in schemas.Where(s => s.Value?["enum"] is not null))
        {
            var type = schema!["type"];
            Assert.True(type is not null && type.ToJsonString().Contains("string", StringComparison.Ordinal), $"enum {name} has no type: string");
        }

        // The rotate body is optional and so is its only member.
        Assert.Null(schemas["WebhookRotateRequest"]!["required"]);
    }

    [Fact]
    public async Task Every_api_route_is_in_the_document_including_the_mcp_endpoints()
    {
        var doc = await DocumentAsync();
        var documented = Operations(doc).Select(o => $"{o.Method.ToUpperInvariant()} {o.Path}").ToHashSet(StringComparer.Ordinal);
        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/v1/", StringComparison.Ordinal) || raw.StartsWith("/api/", StringComparison.Ordinal)
                || raw.StartsWith("/xrpc/", StringComparison.Ordinal) || raw.StartsWith("/webhooks/", StringComparison.Ordinal) || raw == "/v1/tenants"))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .Where(r => !r.StartsWith("GET /v1/tenants/{tenant}/integrations/{integration}/mcp:", StringComparison.Ordinal) // the MCP SDK's SSE GET (refused in stateless mode)
                && !r.StartsWith("DELETE /v1/tenants/{tenant}/integrations/{integration}/mcp:", StringComparison.Ordinal))
            .Distinct().ToList();
        Assert.NotEmpty(routes);
        var undocumented = routes.Where(r => !documented.Contains(r)).ToList();
        Assert.True(undocumented.Count == 0, "routes missing from /openapi/v1.json:\n" + string.Join("\n", undocumented));
        Assert.Contains("POST /v1/tenants/{tenant}/integrations/{integration}/mcp:call", documented);
        Assert.Contains("POST /v1/tenants/{tenant}/integrations/{integration}/mcp:test", documented);
        Assert.Contains(Operations(doc), o => o.Operation["operationId"]?.GetValue<string>() == "mcp.call");
    }

    [Fact]
    public async Task Every_401_response_names_the_www_authenticate_header()
    {
        var doc = await DocumentAsync();
        var unauthorized = Operations(doc).Where(o => o.Operation["responses"]?["401"] is not null).ToList();
        Assert.NotEmpty(unauthorized);
        Assert.All(unauthorized, o => Assert.NotNull(o.Operation["responses"]!["401"]!["headers"]?["WWW-Authenticate"]));
    }

    [Fact]
    public async Task A_refused_bearer_token_is_a_401_problem_that_says_why_with_www_authenticate()
    {
        using var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-a-token");
        var problem = await (await http.GetAsync("/v1/tenants/default/integrations")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("refused", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("https://", problem["type"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static void Walk(JsonNode? node, string where, List<string> mixed)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["type"] is JsonArray types)
                {
                    var names = types.Select(t => t!.GetValue<string>()).ToList();
                    if (names.Contains("string") && (names.Contains("integer") || names.Contains("number")))
                    {
                        mixed.Add(where);
                    }
                }

                foreach (var (key, value) in obj)
                {
                    Walk(value, $"{where}/{key}", mixed);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], $"{where}/{i}", mixed);
                }

                break;
        }
    }

    /// <summary>The route as the document writes it: no constraints (<c>{config:guid}</c>), no trailing slash.</summary>
    private static string Normalize(string route) => Constraint().Replace(route, "}").TrimEnd('/');

    [GeneratedRegex(@"\{([^}:?=*]+)")]
    private static partial Regex PathParameter();

    [GeneratedRegex(@"(?<=\{[A-Za-z_]+)(:[^}]+)?\??\}")]
    private static partial Regex Constraint();
}
