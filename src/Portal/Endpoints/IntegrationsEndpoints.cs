using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Core.Common;
using Portal.Core.Integrations;

using Portal.Hosting;

namespace Portal.Endpoints;

/// <summary>Seed 001: integrations of a tenant.</summary>
public static class IntegrationsEndpoints
{
    public static void MapIntegrationsEndpoints(this RouteGroupBuilder tenant)
    {
        var group = tenant.MapGroup("/integrations").WithTags("Integrations");

        group.MapPost("", (HttpContext http, IntegrationInput body, IntegrationService service) =>
                ApiResults.Created(http, service.CreateAsync(http.Actor(), body, http.RequestAborted), v => $"{http.Request.Path}/{v.Id}"))
            .WithName("integrations.create").WithSummary("Creates a new integration.")
            .WithDescription("Credentials are encrypted at rest and never returned in API responses.")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);

        group.MapGet("", async (HttpContext http, IntegrationService service, string? tag, string? q, int? skip, int? take) =>
                TypedResults.Ok(await service.ListAsync(http.Actor(), new IntegrationQuery(tag, q), Paging.From(skip, take), http.RequestAborted)))
            .WithName("integrations.list").WithSummary("Lists integrations, paged, filterable by tag and text.");

        group.MapGet("/{integration}", (HttpContext http, string integration, IntegrationService service) =>
                ApiResults.Ok(http, service.GetAsync(http.Actor(), integration, http.RequestAborted)))
            .WithName("integrations.get").AllowIntegrationKey().WithSummary("Retrieves a specific integration by ID.")
            .WithDescription("Secret credential values are stripped from the response; authSettings.secretParameters says which are set.");

        group.MapPut("/{integration}", (HttpContext http, string integration, IntegrationInput body, IntegrationService service) =>
                ApiResults.Ok(http, service.UpdateAsync(http.Actor(), integration, body, merge: false, http.RequestAborted)))
            .WithName("integrations.update").WithSummary("Updates an existing integration.")
            .WithDescription("Omit credential fields to keep existing values unchanged; an explicit null clears one.")
            .ProducesProblem(400).ProducesProblem(403);

        group.MapPatch("/{integration}", (HttpContext http, string integration, IntegrationInput body, IntegrationService service) =>
                ApiResults.Ok(http, service.UpdateAsync(http.Actor(), integration, body, merge: true, http.RequestAborted)))
            .WithName("integrations.patch").WithSummary("Changes the given fields of an integration; omitted and null fields are kept.")
            .ProducesProblem(400).ProducesProblem(403);

        group.MapDelete("/{integration}", (HttpContext http, string integration, IntegrationService service) =>
                ApiResults.NoContent(http, service.DeleteAsync(http.Actor(), integration, http.RequestAborted)))
            .WithName("integrations.delete").WithSummary("Deletes an integration with its configs.")
            .ProducesProblem(403);
    }
}
