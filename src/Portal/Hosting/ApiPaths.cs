namespace Portal.Hosting;

public static class ApiPaths
{
    private static readonly string[] Prefixes = ["/v1", "/api", "/xrpc", "/webhooks", "/connect", "/openapi", "/secret-scanning"];

    public static bool IsApi(PathString path) => Prefixes.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>Routes that read their own body under their own limit (inbound webhooks, secret scanning reports): the API body limit leaves them alone.</summary>
    public static bool OwnsBody(PathString path) =>
        path.StartsWithSegments("/webhooks", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/secret-scanning", StringComparison.OrdinalIgnoreCase);

    public static bool IsXrpc(PathString path) => path.StartsWithSegments("/xrpc", StringComparison.OrdinalIgnoreCase);
}
