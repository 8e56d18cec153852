using System.Security.Claims;
using Portal.Core.Audit;
using Portal.Core.IntegrationKeys;
using Portal.Core.Keys;
using Portal.Core.Tenancy;
using Portal.Hosting;
using Portal.Features.SigningSecrets;

namespace Portal.Features.IntegrationKeys;

/// <summary>Marks a route an integration key may call, and with which scope (seed 004).</summary>
public sealed record IntegrationKeyScope(string Scope);

/// <summary>
/// What an integration-key principal may call, decided here and nowhere else. A route opens itself with
/// <see cref="AllowIntegrationKey{TBuilder}"/>; every other route of the host (tenant API, Svix key routes, MCP, XRPC,
/// pages …) refuses such a principal with 403. On an opened route the key must carry the route's scope and the route
/// must name the key's own integration (else 403). A route of another tenant answers 404, as to any non-member.
/// </summary>
public static class IntegrationKeyRule
{
    public const string NotOpened =
        "Integration keys grant scoped access to manage their own integration's webhook configuration only (scope " +
        IntegrationKeyService.Scope + "): reading the integration and its configs, webhook URLs, bindings and events. " +
        "Use a user or API client token for this route.";

    private static readonly string[] TenantRouteValues = ["tenant", "app_id"];
    private static readonly string[] IntegrationRouteValues = ["integration", "integ_id"];

    /// <summary>Opens a route to integration keys of the route's own integration, with <paramref name="scope"/>.</summary>
    public static TBuilder AllowIntegrationKey<TBuilder>(this TBuilder builder, string scope = IntegrationKeyService.Scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new IntegrationKeyScope(scope));

    /// <summary>After authentication and authorization, before any endpoint runs.</summary>
    public static void UseIntegrationKeyRule(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (!http.User.IsIntegrationKey())
        {
            await next(http);
            return;
        }

        var tenant = http.User.FindFirstValue(PortalClaims.Tenant)!;
        if (RouteValue(http, TenantRouteValues) is { } routeTenant && routeTenant != tenant)
        {
            // Another tenant's route: the same 404 as for any non-member, so existence does not leak.
            await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                detail: $"Tenant '{routeTenant}' was not found, or you are not a member of it.").ExecuteAsync(http);
            return;
        }

        var refusal = Refusal(http);
        if (refusal is null)
        {
            await next(http);
            return;
        }

        // Refused before any Core operation runs, so audited here, once, through Core's one refusal recorder.
        var prefix = http.User.FindFirstValue(PortalClaims.KeyPrefix)!;
        var actor = new Actor(prefix, ActorKind.IntegrationKey, tenant, TenantRole.Viewer, http.Connection.RemoteIpAddress?.ToString());
        await http.RequestServices.GetRequiredService<Refusals>().RecordAsync(actor, $"{http.Request.Method} denied",
            SecretPaths.Redact(http.Request.Path.Value ?? ""), prefix, http.RequestAborted);
        var forbidden = ApiPaths.IsXrpc(http.Request.Path)
            ? XrpcResults.Error(StatusCodes.Status403Forbidden, "Forbidden", refusal) // seed 003's {error, message}, saying why
            : Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: refusal);
        await forbidden.ExecuteAsync(http);
    });

    /// <summary>Why the integration key may not call this route; null when it may.</summary>
    private static string? Refusal(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<IntegrationKeyScope>() is not { } opened)
        {
            return NotOpened;
        }

        if (!KeyScopes.Parse(http.User.FindFirstValue(PortalClaims.Scope)).Contains(opened.Scope, StringComparer.Ordinal))
        {
            return $"This integration key lacks the scope this route needs ({opened.Scope}).";
        }

        var own = http.User.FindFirstValue(PortalClaims.Integration);
        return RouteValue(http, IntegrationRouteValues) == own
            ? null
            : $"This integration key belongs to integration '{own}' and manages that integration only.";
    }

    private static string? RouteValue(HttpContext http, string[] names) =>
        names.Select(n => http.GetRouteValue(n) as string).FirstOrDefault(v => v is not null);
}
