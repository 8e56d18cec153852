using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Integrations;

/// <summary>
/// How many integrations a tenant has: the list's <c>total</c> read from one row instead of counted. Kept by database
/// triggers on <c>Integrations</c> (migration <c>ListCounts</c>), so every insert and delete, whoever makes it, moves it
/// in the same transaction.
/// </summary>
public sealed class IntegrationCount
{
    public required string TenantId { get; set; }
    public long Count { get; set; }
}

internal sealed class IntegrationCountConfiguration : IEntityTypeConfiguration<IntegrationCount>
{
    public void Configure(EntityTypeBuilder<IntegrationCount> e)
    {
        e.ToTable("IntegrationCounts");
        e.HasKey(c => c.TenantId);
        e.Property(c => c.TenantId).HasMaxLength(64);
    }
}
