using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Mcp;

/// <summary>How the Mcp feature's rows are stored; applied by <c>PortalDbContext</c> with <c>ApplyConfigurationsFromAssembly</c>.</summary>
internal sealed class McpSettingsConfiguration : IEntityTypeConfiguration<McpSettings>
{
    public void Configure(EntityTypeBuilder<McpSettings> e)
    {
        e.HasKey(m => new { m.TenantId, m.IntegrationId });
        e.Property(m => m.TenantId).HasMaxLength(64);
        e.Property(m => m.IntegrationId).HasMaxLength(64);
        e.Property(m => m.Description).HasMaxLength(500);
    }
}
