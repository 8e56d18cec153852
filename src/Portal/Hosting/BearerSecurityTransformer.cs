using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Hosting;

/// <summary>Declares the bearer scheme (a JWT from <c>POST /connect/token</c>) in the OpenAPI document.</summary>
public sealed class BearerSecurityTransformer : IOpenApiDocumentTransformer
{
    public const string McpKeyScheme = "McpKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "Bearer JWT Authorization header using the Bearer scheme. Get one with the client_credentials grant at POST /connect/token.",
        };
        document.Components.SecuritySchemes[McpKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The integration's MCP key (mcp_…), shown once when MCP is first enabled or the key is rotated.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] });
        return Task.CompletedTask;
    }
}
