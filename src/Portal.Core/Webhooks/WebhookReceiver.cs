using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.Webhooks;

/// <summary>
/// The inbound side of a webhook URL: finds the config (or binding) by the key in the path, enforces the size
/// limit and the Standard Webhooks signature (over the raw bytes) when the config names a signing secret, and hands
/// the body bytes, as received, to the group-commit writer (<see cref="WebhookIngest"/>); the event is acknowledged only
/// once it is committed. A repeated <c>webhook-id</c> is acknowledged without a second row. The key, the route (config,
/// binding, signing secret name) and the signing secret's values come from memory, kept true by the <see cref="ChangeFeed"/>.
/// </summary>
public sealed class WebhookReceiver
{
    public const int MaxBodyBytes = 1024 * 1024;

    private readonly IDbContextFactory<PortalDbContext> _dbFactory;
    private readonly KeyEngine _keys;
    private readonly WebhookIngest _ingest;
    private readonly TimeProvider _time;
    private readonly FeedCache<string, Route?> _routes;

    public WebhookReceiver(IDbContextFactory<PortalDbContext> dbFactory, KeyEngine keys, WebhookIngest ingest, ChangeFeed feed, TimeProvider time)
    {
        _dbFactory = dbFactory;
        _keys = keys;
        _ingest = ingest;
        _time = time;
        _routes = new FeedCache<string, Route?>(feed, time, 100_000, StringComparer.Ordinal);
        feed.Changed += change =>
        {
            if (change.Topic == ChangeTopic.Setup)
            {
                _routes.Clear(); // configs, bindings and integrations change rarely: start over
            }
        };
    }

    public async Task<WebhookReceipt> ReceiveAsync(InboundWebhook inbound, CancellationToken ct = default)
    {
        if (!TenantIds.IsValid(inbound.Tenant))
        {
            return WebhookReceipt.NotFound;
        }

        var check = await _keys.CheckAsync(KeyKind.WebhookKey, inbound.Tenant, inbound.Key, null, inbound.Ip, ct: ct);
        if (!check.IsValid)
        {
            return WebhookReceipt.NotFound;
        }

        var route = await _routes.GetAsync($"{inbound.Tenant}|{check.Key!.OwnerId}", (_, c) => ResolveAsync(inbound.Tenant, check.Key.OwnerId, c), _ => null, ct);
        if (route is null || route.IntegrationId != inbound.Integration)
        {
            return WebhookReceipt.NotFound; // a key of another integration is as unknown here as a made-up one
        }

        if (inbound.ContentLength > MaxBodyBytes || await ReadAtMostAsync(inbound.Body, MaxBodyBytes, ct) is not { } body)
        {
            return WebhookReceipt.TooLarge;
        }

        var signatureCheck = WebhookSignatureStatus.NotChecked;
        if (!string.IsNullOrEmpty(route.SigningSecretName))
        {
            var secrets = await _keys.RevealUsableAsync(inbound.Tenant, KeyOwner.ForSigningSecret(route.SigningSecretName), ct);
            if (!StandardWebhookSignature.Verify(secrets, inbound.WebhookId, inbound.WebhookTimestamp, inbound.WebhookSignature, body, _time.GetUtcNow()))
            {
                return WebhookReceipt.Unauthorized;
            }

            signatureCheck = WebhookSignatureStatus.Verified;
        }

        var webhookId = string.IsNullOrEmpty(inbound.WebhookId) ? $"gen_{Guid.CreateVersion7():N}" : inbound.WebhookId;
        if (webhookId.Length > 256)
        {
            webhookId = webhookId[..256];
        }

        var outcome = await _ingest.SubmitAsync(new WebhookEvent
        {
            TenantId = inbound.Tenant,
            IntegrationId = route.IntegrationId,
            ConfigId = route.ConfigId,
            BindingId = route.BindingId,
            WebhookId = webhookId,
            ReceivedAt = _time.NowMs(),
            ContentType = inbound.ContentType is { Length: > 256 } contentType ? contentType[..256] : inbound.ContentType,
            MediaType = WebhookBodyText.MediaType(inbound.ContentType) is { Length: > 0 and <= 256 } mediaType ? mediaType : null,
            Headers = WebhookHeaders.Capture(inbound.Headers, inbound.Key),
            SignatureCheck = signatureCheck,
            SigningSecretName = signatureCheck == WebhookSignatureStatus.Verified ? route.SigningSecretName : null,
            Body = body,
        });
        return outcome switch
        {
            IngestOutcome.Stored => WebhookReceipt.Accepted,
            IngestOutcome.Duplicate => WebhookReceipt.Duplicate,
            IngestOutcome.Busy => WebhookReceipt.Busy,
            _ => WebhookReceipt.NotFound,
        };
    }

    /// <summary>Where a key's owner delivers: its config (and binding), read once and kept until a setup change.</summary>
    private async Task<Route?> ResolveAsync(string tenant, string owner, CancellationToken ct)
    {
        if (!KeyOwner.TryParse(owner, out var parsed) || parsed.Value.GuidId is not { } id)
        {
            return null;
        }

        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var bindingId = Guid.Empty;
        var configId = id;
        if (parsed.Value.Kind == KeyOwnerKind.Binding)
        {
            var binding = await db.WebhookBindings.AsNoTracking().FirstOrDefaultAsync(b => b.TenantId == tenant && b.Id == id, ct);
            if (binding is null)
            {
                return null;
            }

            (bindingId, configId) = (binding.Id, binding.ConfigId);
        }
        else if (parsed.Value.Kind != KeyOwnerKind.Config)
        {
            return null;
        }

        var config = await db.Configs.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenant && c.Id == configId, ct);
        return config is null ? null : new Route(config.Id, config.IntegrationId, bindingId, PortalJson.Deserialize<ConfigContent>(config.ContentJson).SigningSecretName);
    }

    private sealed record Route(Guid ConfigId, string IntegrationId, Guid BindingId, string? SigningSecretName);

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
