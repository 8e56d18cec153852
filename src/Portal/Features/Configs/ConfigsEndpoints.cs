using Microsoft.AspNetCore.Mvc;
using Portal.Core.Common;
using Portal.Core.Configs;

using Portal.Hosting;
using Portal.Features.IntegrationKeys;

namespace Portal.Features.Configs;

/// <summary>Seed 000: configs, revisions, publish and rollback.</summary>
public static class ConfigsEndpoints
{
    public static void MapConfigsEndpoints(this RouteGroupBuilder tenant)
    {
        var group = tenant.MapGroup("/integrations/{integration}/configs").WithTags("Configs");

        group.MapPost("", (HttpContext http, string integration, ConfigInput body, ConfigService service) =>
                ApiResults.Created(service.CreateAsync(http.Actor(), integration, body, http.RequestAborted), v => $"{http.Request.Path}/{v.Id}"))
            .WithName("configs.create").WithSummary("Creates a configuration; parameter values are validated against the integration's metadata.")
            .ProducesProblem(400).ProducesProblem(403);

        group.MapGet("", (HttpContext http, string integration, ConfigService service, int? skip, int? take) =>
                ApiResults.Ok(service.ListAsync(http.Actor(), integration, Paging.From(skip, take), http.RequestAborted)))
            .WithName("configs.list").AllowIntegrationKey().WithSummary("Lists the configurations of an integration.");

        group.MapGet("/{config:guid}", (HttpContext http, string integration, Guid config, ConfigService service) =>
                ApiResults.OkWithETag(http, service.GetAsync(http.Actor(), integration, config, http.RequestAborted), v => v.Version))
            .WithName("configs.get").WithETag("config", conditional: false).AllowIntegrationKey().WithSummary("Gets a configuration by ID.")
            .WithDescription("Returns the current draft state of the config, not the published revision. To read what tool calls actually execute against, fetch the revision pointed to by publishedRevisionId.");

        group.MapPatch("/{config:guid}", (HttpContext http, string integration, Guid config, ConfigInput body, [FromHeader(Name = EntityTags.IfMatchHeader)] string? ifMatch, ConfigService service) =>
                ApiResults.OkWithETag(http, service.UpdateAsync(http.Actor(), integration, config, body, EntityTags.IfMatch(ifMatch), http.RequestAborted), v => v.Version))
            .WithName("configs.patch").WithSummary("Changes the draft; omitted fields are kept, a null parameter value clears it.")
            .WithDescription("Without If-Match the last writer wins. With If-Match, the change applies only if the config still has that ETag (else 412).")
            .WithETag("config", conditional: true)
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);

        group.MapDelete("/{config:guid}", (HttpContext http, string integration, Guid config, [FromHeader(Name = EntityTags.IfMatchHeader)] string? ifMatch, ConfigService service) =>
                ApiResults.NoContent(service.DeleteAsync(http.Actor(), integration, config, EntityTags.IfMatch(ifMatch), http.RequestAborted)))
            .WithName("configs.delete").WithSummary("Deletes a configuration and its revisions.")
            .WithETag("config", conditional: true)
            .ProducesProblem(403);

        group.MapPost("/{config:guid}:publish", (HttpContext http, string integration, Guid config, ConfigService service) =>
                ApiResults.OkWithETag(http, service.PublishAsync(http.Actor(), integration, config, http.RequestAborted), v => v.Version))
            .WithName("configs.publish").WithETag("config", conditional: false).WithSummary("Publishes the draft as a new immutable revision.")
            .ProducesProblem(400).ProducesProblem(403);

        group.MapGet("/{config:guid}/revisions", (HttpContext http, string integration, Guid config, ConfigService service, int? skip, int? take) =>
                ApiResults.Ok(service.ListRevisionsAsync(http.Actor(), integration, config, Paging.From(skip, take), http.RequestAborted)))
            .WithName("configs.revisions.list").WithSummary("Lists the revisions of a configuration, newest first.");

        group.MapGet("/{config:guid}/revisions/{revision:guid}", (HttpContext http, string integration, Guid config, Guid revision, ConfigService service) =>
                ApiResults.Ok(service.GetRevisionAsync(http.Actor(), integration, config, revision, http.RequestAborted)))
            .WithName("configs.revisions.get").WithSummary("Gets one immutable revision.");

        group.MapPost("/{config:guid}:rollback", (HttpContext http, string integration, Guid config, RollbackRequest body, ConfigService service) =>
                ApiResults.OkWithETag(http, service.RollbackAsync(http.Actor(), integration, config, body.RevisionId, http.RequestAborted), v => v.Version))
            .WithName("configs.rollback").WithETag("config", conditional: false).WithSummary("Publishes an earlier revision again and resets the draft to it.")
            .ProducesProblem(400).ProducesProblem(403);
    }
}
