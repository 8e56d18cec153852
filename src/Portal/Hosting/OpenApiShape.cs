using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Hosting;

/// <summary>
/// Makes the generated OpenAPI document one that clients can be generated from: every path parameter declared on every
/// operation (route-group parameters such as <c>{tenant}</c> are invisible to the generator), a server URL without a
/// trailing slash, 401 responses that name <c>WWW-Authenticate</c>, tag descriptions, and the MCP JSON-RPC routes that
/// the MCP SDK maps outside the API explorer.
/// </summary>
public sealed partial class OpenApiDocumentShape : IOpenApiDocumentTransformer
{
    private static readonly Dictionary<string, string> ParameterDescriptions = new(StringComparer.Ordinal)
    {
        ["tenant"] = "The tenant id (`^[A-Za-z0-9_-]{1,64}$`).",
        ["integration"] = "The integration id, as given at creation.",
        ["config"] = "The config id (a GUID).",
        ["revision"] = "The revision id (a GUID) of a published config.",
        ["binding"] = "The webhook binding id (a GUID).",
        ["event"] = "The id of a received webhook event.",
        ["clientId"] = "The API client id.",
        ["name"] = "The signing secret's name.",
        ["email"] = "The member's e-mail address.",
        ["key"] = "The webhook key handed out in the webhook URL (a secret: never log it).",
        ["app_id"] = "Svix application id: the tenant id.",
        ["integ_id"] = "Svix integration id: the integration id.",
    };

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Integrations"] = "Integrations and their config metadata (seed 001).",
        ["Configs"] = "Configs of an integration: drafts, published revisions, rollback (seed 000).",
        ["Webhooks"] = "Inbound webhook URLs, per-binding URLs and the events inbox (seed 000).",
        ["Verification"] = "Proving that credentials work: test-connect and the OAuth redirect flow.",
        ["ApiClients"] = "Programmatic callers (OAuth2 client credentials).",
        ["SigningSecrets"] = "Named Standard Webhooks signing secrets (seed 003).",
        ["Audit"] = "Audit events of the tenant.",
        ["Members"] = "Members of the tenant and their roles.",
        ["MCP"] = "MCP settings and the MCP Streamable HTTP endpoints of an integration (seed 002).",
        ["Tenants"] = "Tenants (portal administrators only).",
        ["XRPC"] = "wisp.place XRPC compatibility (seed 003).",
        ["Svix"] = "Svix-compatible integration key routes (seed 004).",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Description ??= "Multi-tenant integrations admin portal: integrations, configs, webhook URLs, signing secrets, MCP and integration keys. Errors are RFC 9457 ProblemDetails (XRPC routes: {error, message}).";
        document.Info.License ??= new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Proprietary" };
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        AddMcpEndpoints(document);
        foreach (var (path, item) in document.Paths)
        {
            foreach (var operation in (IEnumerable<OpenApiOperation>?)item.Operations?.Values ?? [])
            {
                DeclarePathParameters(path, operation);
                DescribeUnauthorized(operation);
            }
        }

        var used = document.Paths.Values.SelectMany(p => (IEnumerable<OpenApiOperation>?)p.Operations?.Values ?? []).SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>())
            .Select(t => t.Name).Where(n => n is not null).Distinct().OrderBy(n => n, StringComparer.Ordinal);
        document.Tags = new HashSet<OpenApiTag>(used.Select(n => new OpenApiTag
        {
            Name = n,
            Description = TagDescriptions.TryGetValue(n!, out var d) ? d : n,
        }));
        return Task.CompletedTask;
    }

    /// <summary>Adds each <c>{name}</c> of the path template that the operation does not declare, in template order.</summary>
    private static void DeclarePathParameters(string path, OpenApiOperation operation)
    {
        operation.Parameters ??= [];
        var declared = operation.Parameters.Where(p => p.In == ParameterLocation.Path).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var position = 0;
        foreach (Match match in PathParameter().Matches(path))
        {
            var name = match.Groups[1].Value;
            if (declared.Contains(name))
            {
                position = Math.Max(position, operation.Parameters.ToList().FindIndex(p => p.Name == name) + 1);
                continue;
            }

            operation.Parameters.Insert(position++, new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Path,
                Required = true,
                Description = ParameterDescriptions.GetValueOrDefault(name, name),
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Path && string.IsNullOrEmpty(p.Description)))
        {
            parameter.Description = ParameterDescriptions.GetValueOrDefault(parameter.Name!, parameter.Name!);
        }
    }

    /// <summary>RFC 6750: a 401 carries <c>WWW-Authenticate</c>; the body is a ProblemDetails whose <c>detail</c> says what to send.</summary>
    private static void DescribeUnauthorized(OpenApiOperation operation)
    {
        if (operation.Responses?.TryGetValue("401", out var response) == true && response is OpenApiResponse unauthorized)
        {
            unauthorized.Description = "Unauthorized: no valid credential was sent. The body is a ProblemDetails whose detail says what is expected.";
            unauthorized.Headers ??= new Dictionary<string, IOpenApiHeader>();
            unauthorized.Headers["WWW-Authenticate"] = new OpenApiHeader
            {
                Description = "The authentication scheme to use (RFC 6750), e.g. `Bearer`.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }
    }

    /// <summary>The MCP SDK maps <c>mcp:call</c>/<c>mcp:test</c> itself; the document still names them (JSON-RPC 2.0 over POST).</summary>
    private static void AddMcpEndpoints(OpenApiDocument document)
    {
        foreach (var (suffix, id, summary) in new[]
                 {
                     ("mcp:call", "mcp.call", "MCP Streamable HTTP endpoint (JSON-RPC 2.0): tools run against the upstream with the published revision of the configured config."),
                     ("mcp:test", "mcp.test", "MCP Streamable HTTP sandbox (JSON-RPC 2.0): tools answer from their deterministic simulator; no network, no side effects."),
                 })
        {
            var path = $"/v1/tenants/{{tenant}}/integrations/{{integration}}/{suffix}";
            if (document.Paths.ContainsKey(path))
            {
                continue;
            }

            var problem = new OpenApiMediaType { Schema = new OpenApiSchemaReference("ProblemDetails", document) };
            OpenApiResponse Problem(string description) => new() { Description = description, Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = problem } };
            var jsonRpc = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "A JSON-RPC 2.0 message of the Model Context Protocol (initialize, tools/list, tools/call, …).",
                Required = new HashSet<string> { "jsonrpc", "method" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["jsonrpc"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("2.0")] },
                    ["id"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Integer },
                    ["method"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["params"] = new OpenApiSchema { Type = JsonSchemaType.Object },
                },
            };
            var unauthorized = Problem("Unauthorized: the MCP key is missing, unknown or revoked.");
            var operation = new OpenApiOperation
            {
                OperationId = id,
                Summary = summary,
                Description = "Authenticated with the integration's MCP key (`Authorization: Bearer mcp_…`, scope `mcp:invoke`), rate limited per key (429 with Retry-After). See docs/mcp.md.",
                Tags = new HashSet<OpenApiTagReference> { new("MCP", document) },
                Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerSecurityTransformer.McpKeyScheme, document)] = [] }],
                RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = jsonRpc } },
                },
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse
                    {
                        Description = "The JSON-RPC response (application/json, or one text/event-stream message).",
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object } },
                            ["text/event-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                        },
                    },
                    ["401"] = unauthorized,
                    ["403"] = Problem("Forbidden: MCP is disabled for this integration, or the key lacks the mcp:invoke scope."),
                    ["429"] = Problem("Too many requests: this key exceeded its budget; retry after Retry-After."),
                },
            };
            document.Paths[path] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = operation } };
        }
    }

    [GeneratedRegex(@"\{([^}:?=*]+)")]
    private static partial Regex PathParameter();
}

/// <summary>
/// Schemas as the JSON really is: numbers are numbers (the serializer reads numeric strings too, but always writes
/// numbers, and generated clients should not see <c>number | string</c>), string enums say <c>type: string</c>, and a
/// nullable member is never required (an omitted value and <c>null</c> mean the same on this API's inputs).
/// </summary>
public sealed class OpenApiSchemaShape : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.String) && (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number)))
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        if (schema.Enum is { Count: > 0 } values && schema.Type is null && values.All(v => v is JsonValue value && value.GetValueKind() is System.Text.Json.JsonValueKind.String or System.Text.Json.JsonValueKind.Null))
        {
            schema.Type = values.Any(v => v is null || v.GetValueKind() == System.Text.Json.JsonValueKind.Null) ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
        }

        if (schema.Required is { Count: > 0 } required && schema.Properties is { } properties)
        {
            foreach (var (name, property) in properties)
            {
                if (property.Type is { } propertyType && propertyType.HasFlag(JsonSchemaType.Null))
                {
                    required.Remove(name);
                }
            }
        }

        return Task.CompletedTask;
    }
}
