using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Integrations;

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
        // Settings go with their integration (the settings row is keyed like the integration: tenant + id).
        e.HasOne<Integration>().WithMany().HasForeignKey(m => new { m.TenantId, m.IntegrationId }).OnDelete(DeleteBehavior.Cascade);
    }
}
