namespace Portal.Hosting;

public static class ApiPaths
{
    private static readonly string[] Prefixes = ["/v1", "/api", "/xrpc", "/webhooks", "/connect", "/openapi"];

    public static bool IsApi(PathString path) => Prefixes.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    public static bool IsXrpc(PathString path) => path.StartsWithSegments("/xrpc", StringComparison.OrdinalIgnoreCase);
}
