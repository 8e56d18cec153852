using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.Webhooks;

/// <summary>
/// The inbound side of a webhook URL: finds the config (or binding) by the key in the path, enforces the size
/// limit and the Standard Webhooks signature (over the raw bytes) when the config names a signing secret, and stores
/// the body bytes as received, whatever the content type, before the event is acknowledged. A repeated <c>webhook-id</c> is acknowledged without a second row.
/// </summary>
public sealed class WebhookReceiver(IDbContextFactory<PortalDbContext> dbFactory, KeyEngine keys, TimeProvider time)
{
    public const int MaxBodyBytes = 1024 * 1024;

    public async Task<WebhookReceipt> ReceiveAsync(InboundWebhook inbound, CancellationToken ct = default)
    {
        if (!TenantIds.IsValid(inbound.Tenant))
        {
            return WebhookReceipt.NotFound;
        }

        var check = await keys.CheckAsync(KeyKind.WebhookKey, inbound.Tenant, inbound.Key, null, inbound.Ip, ct: ct);
        if (!check.IsValid)
        {
            return WebhookReceipt.NotFound;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (config, bindingId) = await ResolveOwnerAsync(db, inbound.Tenant, check.Key!.OwnerId, ct);
        if (config is null || config.IntegrationId != inbound.Integration)
        {
            return WebhookReceipt.NotFound; // a key of another integration is as unknown here as a made-up one
        }

        if (inbound.ContentLength > MaxBodyBytes || await ReadAtMostAsync(inbound.Body, MaxBodyBytes, ct) is not { } body)
        {
            return WebhookReceipt.TooLarge;
        }

        var signingSecretName = PortalJson.Deserialize<ConfigContent>(config.ContentJson).SigningSecretName;
        if (!string.IsNullOrEmpty(signingSecretName))
        {
            var secrets = await keys.RevealUsableAsync(inbound.Tenant, KeyOwner.ForSigningSecret(signingSecretName), ct);
            if (!StandardWebhookSignature.Verify(secrets, inbound.WebhookId, inbound.WebhookTimestamp, inbound.WebhookSignature, body, time.GetUtcNow()))
            {
                return WebhookReceipt.Unauthorized;
            }
        }

        var webhookId = string.IsNullOrEmpty(inbound.WebhookId) ? $"gen_{Guid.CreateVersion7():N}" : inbound.WebhookId;
        if (webhookId.Length > 256)
        {
            webhookId = webhookId[..256];
        }

        if (await IsDuplicateAsync(db, inbound.Tenant, config.Id, bindingId, webhookId, ct))
        {
            return WebhookReceipt.Duplicate;
        }

        db.WebhookEvents.Add(new WebhookEvent
        {
            TenantId = inbound.Tenant,
            IntegrationId = config.IntegrationId,
            ConfigId = config.Id,
            BindingId = bindingId,
            WebhookId = webhookId,
            ReceivedAt = time.NowMs(),
            ContentType = inbound.ContentType is { Length: > 256 } contentType ? contentType[..256] : inbound.ContentType,
            Body = body,
        });
        try
        {
            await db.SaveChangesAsync(ct);
            return WebhookReceipt.Accepted;
        }
        catch (DbUpdateException)
        {
            // The same delivery raced itself: the unique index kept one row. Anything else is a real failure.
            await using var fresh = await dbFactory.CreateDbContextAsync(ct);
            if (await IsDuplicateAsync(fresh, inbound.Tenant, config.Id, bindingId, webhookId, ct))
            {
                return WebhookReceipt.Duplicate;
            }

            throw;
        }
    }

    private static Task<bool> IsDuplicateAsync(PortalDbContext db, string tenant, Guid configId, Guid bindingId, string webhookId, CancellationToken ct) =>
        db.WebhookEvents.AsNoTracking().AnyAsync(e => e.TenantId == tenant && e.ConfigId == configId && e.BindingId == bindingId && e.WebhookId == webhookId, ct);

    private static async Task<(Config? Config, Guid BindingId)> ResolveOwnerAsync(PortalDbContext db, string tenant, string owner, CancellationToken ct)
    {
        if (!KeyOwner.TryParse(owner, out var parsed) || parsed.Value.GuidId is not { } id)
        {
            return (null, Guid.Empty);
        }

        if (parsed.Value.Kind == KeyOwnerKind.Config)
        {
            var configId = id;
            return (await db.Configs.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenant && c.Id == configId, ct), Guid.Empty);
        }

        if (parsed.Value.Kind == KeyOwnerKind.Binding)
        {
            var bindingId = id;
            var binding = await db.WebhookBindings.AsNoTracking().FirstOrDefaultAsync(b => b.TenantId == tenant && b.Id == bindingId, ct);
            var config = binding is null ? null : await db.Configs.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenant && c.Id == binding.ConfigId, ct);
            return (config, bindingId);
        }

        return (null, Guid.Empty);
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is longer (one byte more is read to know).</summary>
    private static async Task<byte[]?> ReadAtMostAsync(Stream body, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while (buffer.Length <= limit && (read = await body.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit + 1 - buffer.Length)), ct)) > 0)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.Length > limit ? null : buffer.ToArray();
    }
}
