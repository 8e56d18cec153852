using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Hosting;

/// <summary>Documents <see cref="ETagged"/> operations: the <c>ETag</c> response header, the <c>If-Match</c> request header and the 412.</summary>
public sealed class ETagOpenApi : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ETagged>().FirstOrDefault() is not { } tagged)
        {
            return Task.CompletedTask;
        }

        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers["ETag"] = new OpenApiHeader
            {
                Description = $"The {tagged.Resource}'s current version (a strong, quoted entity tag). Send it as `If-Match` on PATCH/PUT/DELETE to change it only if nobody else did.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }

        if (!tagged.Conditional)
        {
            return Task.CompletedTask;
        }

        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Header && p.Name == EntityTags.IfMatchHeader))
        {
            parameter.Description = EntityTags.IfMatchDescription;
        }

        if (operation.Responses?.TryGetValue("412", out var failed) == true && failed is OpenApiResponse precondition)
        {
            precondition.Description = $"Precondition failed: `If-Match` does not match the {tagged.Resource}'s current ETag. Nothing changed; read it again and retry.";
        }

        return Task.CompletedTask;
    }
}
