using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Core.Common;
using Portal.Core.IntegrationKeys;
using Portal.Core.Integrations;
using Portal.Hosting;

namespace Portal.Features.IntegrationKeys;

/// <summary>
/// Seed 004's own API, Svix-shaped: <c>app_id</c> is the tenant, <c>integ_id</c> the integration. The operationIds are
/// Svix's, so the seed's Arazzo workflow runs unchanged against <c>/openapi/v1.json</c>. Errors are ProblemDetails.
/// </summary>
public static class SvixEndpoints
{
    // Every handler binds app_id (resolved to the actor by the group's filter) so the document declares both path parameters.
    public static void MapSvixEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/app/{app_id}/integration/{integ_id}").RequireTenant("app_id").WithTags("Integration keys (Svix)");

        group.MapGet("", async Task<Results<Ok<SvixIntegrationOut>, ProblemHttpResult>> (HttpContext http, [FromRoute(Name = "app_id")] string tenant, [FromRoute(Name = "integ_id")] string integrationId, IntegrationService integrations) =>
            {
                var found = await integrations.GetAsync(http.Actor(), integrationId, http.RequestAborted);
                return found.IsSuccess ? TypedResults.Ok(SvixIntegrationOut.From(found.Value!)) : ApiResults.Problem(found.Error!);
            })
            .WithName("v1.integration.get").AllowIntegrationKey().WithSummary("Get an integration.");

        group.MapPost("/key/rotate", async (HttpContext http, [FromRoute(Name = "app_id")] string tenant, [FromRoute(Name = "integ_id")] string integrationId, IntegrationKeyService keys) =>
                await ApiResults.Ok(Map(keys.RotateAsync(http.Actor(), integrationId, http.RequestAborted), r => new SvixIntegrationKeyOut(r.Key))))
            .WithName("v1.integration.rotate-key").WithSummary("Rotate the integration's key; the previous key stops working at once.")
            .WithDescription("The first call mints the key when the integration has none yet (a Svix integration always has one). Honours idempotency-key: a retry within 24 h returns the same key.")
            .ProducesProblem(400).ProducesProblem(403).AcceptsEmptyJsonBody().WithIdempotency();

        group.MapGet("/key", async (HttpContext http, [FromRoute(Name = "app_id")] string tenant, [FromRoute(Name = "integ_id")] string integrationId, IntegrationKeyService keys) =>
                await ApiResults.Ok(Map(keys.RevealAsync(http.Actor(), integrationId, http.RequestAborted), s => new SvixIntegrationKeyOut(s.Value))))
            .WithName("v1.integration.get-key").WithSummary("Get the integration's current key.")
            .WithDescription("Admin only; every read is recorded in the audit log as key.reveal.")
            .ProducesProblem(403);
    }

    private static async Task<Result<TOut>> Map<TIn, TOut>(Task<Result<TIn>> operation, Func<TIn, TOut> map)
    {
        var result = await operation;
        return result.IsSuccess ? map(result.Value!) : result.Error!;
    }
}

/// <summary>Svix's IntegrationOut, the fields the seed reads.</summary>
public sealed record SvixIntegrationOut(string Id, string Name, string CreatedAt, string UpdatedAt)
{
    public static SvixIntegrationOut From(IntegrationView integration) =>
        new(integration.Id, integration.DisplayName, Rfc3339.Format(integration.CreatedAt), Rfc3339.Format(integration.ModifiedAt));
}

/// <summary>Svix's IntegrationKeyOut.</summary>
public sealed record SvixIntegrationKeyOut(string Key)
{
    public override string ToString() => "SvixIntegrationKeyOut { Key = (redacted) }";
}
