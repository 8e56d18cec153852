using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Core.Common;
using Portal.Core.Integrations;

using Portal.Hosting;
using Portal.Features.IntegrationKeys;

namespace Portal.Features.Integrations;

/// <summary>Seed 001: integrations of a tenant.</summary>
public static class IntegrationsEndpoints
{
    public static void MapIntegrationsEndpoints(this RouteGroupBuilder tenant)
    {
        var group = tenant.MapGroup("/integrations").WithTags("Integrations");

        group.MapPost("", (HttpContext http, IntegrationInput body, IntegrationService service) =>
                ApiResults.Created(service.CreateAsync(http.Actor(), body, http.RequestAborted), v => $"{http.Request.Path}/{v.Id}"))
            .WithName("integrations.create").WithSummary("Creates a new integration.")
            .WithDescription("Credentials are encrypted at rest and never returned in API responses.")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);

        group.MapGet("", async (HttpContext http, IntegrationService service, string? tag, string? q, int? skip, int? take) =>
                TypedResults.Ok(await service.ListAsync(http.Actor(), new IntegrationQuery(tag, q), Paging.From(skip, take), http.RequestAborted)))
            .WithName("integrations.list").WithSummary("Lists integrations, paged, filterable by tag and text.");

        group.MapGet("/{integration}", (HttpContext http, string integration, IntegrationService service) =>
                ApiResults.OkWithETag(http, service.GetAsync(http.Actor(), integration, http.RequestAborted), v => v.Version))
            .WithName("integrations.get").WithETag("integration", conditional: false).AllowIntegrationKey().WithSummary("Retrieves a specific integration by ID.")
            .WithDescription("Secret credential values are stripped from the response; authSettings.secretParameters says which are set.");

        group.MapPut("/{integration}", (HttpContext http, string integration, IntegrationInput body, [FromHeader(Name = EntityTags.IfMatchHeader)] string? ifMatch, IntegrationService service) =>
                ApiResults.OkWithETag(http, service.UpdateAsync(http.Actor(), integration, body, merge: false, EntityTags.IfMatch(ifMatch), http.RequestAborted), v => v.Version))
            .WithName("integrations.update").WithSummary("Updates an existing integration.")
            .WithDescription("Omit credential fields to keep existing values unchanged; an explicit null clears one. Without If-Match the last writer wins; with it, the change applies only if the integration still has that ETag (else 412).")
            .WithETag("integration", conditional: true)
            .ProducesProblem(400).ProducesProblem(403);

        group.MapPatch("/{integration}", (HttpContext http, string integration, IntegrationInput body, [FromHeader(Name = EntityTags.IfMatchHeader)] string? ifMatch, IntegrationService service) =>
                ApiResults.OkWithETag(http, service.UpdateAsync(http.Actor(), integration, body, merge: true, EntityTags.IfMatch(ifMatch), http.RequestAborted), v => v.Version))
            .WithName("integrations.patch").WithETag("integration", conditional: true).WithSummary("Changes the given fields of an integration; omitted and null fields are kept.")
            .ProducesProblem(400).ProducesProblem(403);

        group.MapPost("/{integration}:impact", (HttpContext http, string integration, IntegrationInput body, IntegrationService service) =>
                ApiResults.Ok(service.ImpactAsync(http.Actor(), integration, body, http.RequestAborted)))
            .WithName("integrations.impact").WithSummary("Lists the configs an update would break, without changing anything.")
            .WithDescription("Takes the same body as PUT (a replace). Answers {affected: [{id, displayName, changes}]}: every config whose draft or " +
                "published revision uses a parameter or an auth method (or an auth method's parameter) that the body removes or gives another type. " +
                "Invalid bodies are refused with the same field errors as PUT. Admin only.")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);

        group.MapDelete("/{integration}", (HttpContext http, string integration, [FromHeader(Name = EntityTags.IfMatchHeader)] string? ifMatch, IntegrationService service) =>
                ApiResults.NoContent(service.DeleteAsync(http.Actor(), integration, EntityTags.IfMatch(ifMatch), http.RequestAborted)))
            .WithName("integrations.delete").WithETag("integration", conditional: true).WithSummary("Deletes an integration with its configs.")
            .ProducesProblem(403);
    }
}
