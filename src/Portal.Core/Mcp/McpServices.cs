using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Mcp;

public static class McpServices
{
    /// <summary>Registers MCP settings (the MCP server itself is hosted by the web app).</summary>
    public static IServiceCollection AddMcpSettings(this IServiceCollection services)
    {
        services.AddSingleton<McpSettingsService>();
        return services;
    }
}
