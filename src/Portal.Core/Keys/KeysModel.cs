using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Keys;

/// <summary>How the Keys feature's rows are stored; applied by <c>PortalDbContext</c> with <c>ApplyConfigurationsFromAssembly</c>.</summary>
internal sealed class IssuedKeyConfiguration : IEntityTypeConfiguration<IssuedKey>
{
    public void Configure(EntityTypeBuilder<IssuedKey> e)
    {
        e.HasKey(k => k.Id);
        e.Property(k => k.TenantId).HasMaxLength(64);
        e.Property(k => k.OwnerId).HasMaxLength(600);
        e.Property(k => k.Hash).HasMaxLength(64);
        e.Property(k => k.KeyPrefix).HasMaxLength(32);
        e.Property(k => k.CreatedBy).HasMaxLength(256);
        e.Property(k => k.Scopes).HasMaxLength(256);
        e.Property(k => k.LeakUrl).HasMaxLength(IssuedKey.LeakUrlLength);
        e.HasIndex(k => k.Hash).IsUnique();
        e.HasIndex(k => new { k.TenantId, k.OwnerId });
        e.HasIndex(k => new { k.TenantId, k.CreatedAt }); // the Keys inventory pages a tenant's keys by age
    }
}

internal sealed class KeyBindingConfiguration : IEntityTypeConfiguration<KeyBinding>
{
    public void Configure(EntityTypeBuilder<KeyBinding> e)
    {
        e.HasKey(b => new { b.TenantId, b.OwnerId });
        e.Property(b => b.TenantId).HasMaxLength(64);
        e.Property(b => b.OwnerId).HasMaxLength(600);
        e.Property(b => b.Version).IsConcurrencyToken();
    }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> e)
    {
        e.HasKey(r => new { r.TenantId, r.Scope, r.Key });
        e.Property(r => r.TenantId).HasMaxLength(64);
        e.Property(r => r.Scope).HasMaxLength(600);
        e.Property(r => r.Key).HasMaxLength(256);
        e.Property(r => r.RequestHash).HasMaxLength(64);
        e.HasIndex(r => r.CreatedAt);
    }
}
