using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Portal.Hosting;

namespace Portal.Features.IntegrationKeys;

/// <summary>
/// Declares the integration-key bearer scheme and, on each route <see cref="IntegrationKeyRule.AllowIntegrationKey{TBuilder}"/>
/// opens, states the scope: in the description, as <c>x-integration-key-scope</c>, and as an alternative security requirement.
/// </summary>
public sealed class IntegrationKeyOpenApi : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string SchemeName = "IntegrationKey";
    public const string ScopeExtension = "x-integration-key-scope";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "integsk_",
            Description = "An integration key (seed 004), `Authorization: Bearer integsk_…`. Accepted only by the operations that name " +
                $"their scope in `{ScopeExtension}`, and only for the key's own integration; every other operation answers 403.",
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IntegrationKeyScope>().FirstOrDefault() is not { } opened)
        {
            return Task.CompletedTask;
        }

        var note = $"Integration keys: allowed with scope `{opened.Scope}` for the key's own integration (`Authorization: Bearer integsk_…`).";
        operation.Description = string.IsNullOrEmpty(operation.Description) ? note : $"{operation.Description}\n\n{note}";
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions[ScopeExtension] = new JsonNodeExtension(JsonValue.Create(opened.Scope));
        // Either credential: the document-wide bearer JWT, or an integration key with this scope.
        operation.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", context.Document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [opened.Scope] },
        ];
        return Task.CompletedTask;
    }
}
