using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Integrations;

/// <summary>
/// One tag of an integration, so the list's tag filter is an index search (TenantId, Tag) instead of a substring match
/// over every integration of the tenant. Written with the integration (<see cref="IntegrationService"/>), deleted with
/// it (cascade); <see cref="Integration.Tags"/> keeps the tags as the API shows them.
/// </summary>
public sealed class IntegrationTag
{
    public required string TenantId { get; set; }
    public required string Tag { get; set; }
    public required string IntegrationId { get; set; }
}

internal sealed class IntegrationTagConfiguration : IEntityTypeConfiguration<IntegrationTag>
{
    public void Configure(EntityTypeBuilder<IntegrationTag> e)
    {
        e.ToTable("IntegrationTags");
        e.HasKey(t => new { t.TenantId, t.Tag, t.IntegrationId });
        e.Property(t => t.TenantId).HasMaxLength(64);
        e.Property(t => t.Tag).HasMaxLength(50);
        e.Property(t => t.IntegrationId).HasMaxLength(64);
        e.HasOne<Integration>().WithMany().HasForeignKey(t => new { t.TenantId, t.IntegrationId }).OnDelete(DeleteBehavior.Cascade);
    }
}
