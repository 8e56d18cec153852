using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Components.Shared;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Webhooks;

namespace Portal.Features.Webhooks;

/// <summary>
/// The events inbox of a config: filters in the URL (<c>?from=&amp;to=&amp;contentType=</c>, so a reload or a shared link keeps
/// them), and, while "Live" is on, a poll of the newest matching event every few seconds (one index seek): on the first
/// page new events appear at the top; on a later page a button offers to go back to them.
/// </summary>
public sealed partial class WebhookEvents : IAsyncDisposable
{
    /// <summary>How often an open inbox looks for new events while Live is on.</summary>
    public static TimeSpan LiveInterval { get; set; } = TimeSpan.FromSeconds(3);

    [Inject] private ConfigService Configs { get; set; } = default!;
    [Inject] private WebhookService Webhooks { get; set; } = default!;

    [Parameter] public string IntegrationId { get; set; } = "";
    [Parameter] public Guid ConfigId { get; set; }
    [SupplyParameterFromQuery(Name = "from")] public string? From { get; set; }
    [SupplyParameterFromQuery(Name = "to")] public string? To { get; set; }
    [SupplyParameterFromQuery(Name = "contentType")] public string? ContentType { get; set; }

    private ConfigView? _config;
    private bool _loaded, _live = true, _newEvents;
    private MudTable<WebhookEventView>? _table;
    private WebhookEventQuery _query = new();
    private string? _filterError;
    private long? _newestShown;
    private int _page;
    private CancellationTokenSource? _liveStop;

    private bool Filtered => !_query.IsEmpty;

    private List<BreadcrumbItem> Crumbs =>
    [
        new("Integrations", TenantUrl("integrations")),
        new(IntegrationId, TenantUrl($"integrations/{Uri.EscapeDataString(IntegrationId)}")),
        new(_config!.DisplayName, TenantUrl($"integrations/{Uri.EscapeDataString(IntegrationId)}/configs/{ConfigId}")),
        new("Events", null, disabled: true),
    ];

    protected override async Task LoadAsync()
    {
        if (_config?.Id != ConfigId)
        {
            _config = (await Configs.GetAsync(Actor!, IntegrationId, ConfigId)).Value;
        }

        var parsed = WebhookEventQuery.Parse(From, To, ContentType);
        _filterError = parsed.IsSuccess ? null : $"{parsed.Error!.Describe()} The list is shown without filters.";
        var query = parsed.IsSuccess ? parsed.Value.Query : new WebhookEventQuery();
        var changed = query != _query;
        _query = query;
        _loaded = true;
        if (changed && _table is not null)
        {
            await _table.ReloadServerData();
        }
    }

    protected override void OnAfterRender(bool firstRender) => StartLive(); // not while prerendering: only a live circuit polls

    private async Task<TableData<WebhookEventView>> LoadPageAsync(TableState state, CancellationToken ct)
    {
        var page = await Webhooks.ListEventsAsync(Actor!, IntegrationId, ConfigId, _query, Paging.From(state.Page * state.PageSize, state.PageSize), ct);
        _page = state.Page;
        if (state.Page == 0)
        {
            _newestShown = page.Value?.Items.FirstOrDefault()?.Id;
            _newEvents = false;
        }

        return new TableData<WebhookEventView> { Items = page.Value?.Items ?? [], TotalItems = page.Value?.Total ?? 0 };
    }

    /// <summary>Puts the filters in the URL; the page reads them back from there (<see cref="LoadAsync"/>).</summary>
    private void FilterAsync(string? from, string? to, string? contentType) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["from"] = UrlValue(from),
            ["to"] = UrlValue(to),
            ["contentType"] = string.IsNullOrWhiteSpace(contentType) ? null : contentType.Trim(),
        }), replace: true);

    private async Task SetLiveAsync(bool live)
    {
        _live = live;
        if (live)
        {
            StartLive();
        }
        else
        {
            await StopLiveAsync();
        }
    }

    private async Task ShowNewestAsync()
    {
        _newEvents = false;
        if (_table is not null)
        {
            _table.NavigateTo(Page.First);
            await _table.ReloadServerData();
        }
    }

    private void StartLive()
    {
        if (_live && _liveStop is null && Actor is not null && _config is not null)
        {
            _liveStop = new CancellationTokenSource();
            _ = PollAsync(_liveStop.Token);
        }
    }

    private async Task PollAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(LiveInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var newest = await Webhooks.NewestEventIdAsync(Actor!, IntegrationId, ConfigId, _query, ct);
                if (newest.IsSuccess && newest.Value is { } id && id != _newestShown)
                {
                    await InvokeAsync(async () =>
                    {
                        if (_page == 0 && _table is not null)
                        {
                            await _table.ReloadServerData();
                        }
                        else
                        {
                            _newEvents = true;
                        }

                        StateHasChanged();
                    });
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Live turned off, or the page closed.
        }
        catch (ObjectDisposedException)
        {
            // The circuit went away between two ticks.
        }
    }

    private async Task StopLiveAsync()
    {
        if (_liveStop is { } stop)
        {
            _liveStop = null;
            await stop.CancelAsync();
            stop.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopLiveAsync();

    /// <summary>A date-time input's value ("2026-12-03T06:00", read as UTC) for the URL, as ISO 8601 UTC.</summary>
    private static string? UrlValue(string? input) =>
        ListFilters.ParseInstant(input) is { } ms ? ListFilters.FormatInstant(ms) : string.IsNullOrWhiteSpace(input) ? null : input;

    /// <summary>The URL's value for a date-time input (minutes, UTC).</summary>
    private static string? InputValue(string? url) =>
        ListFilters.ParseInstant(url) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture) : null;

    private string EventsPath => $"/v1/tenants/{Uri.EscapeDataString(Tenant)}/integrations/{Uri.EscapeDataString(IntegrationId)}/configs/{ConfigId}/webhook/events";

    private string BodyUrl(WebhookEventView e) => $"{EventsPath}/{e.Id}/body";

    private string DetailUrl(WebhookEventView e) => TenantUrl($"integrations/{Uri.EscapeDataString(IntegrationId)}/configs/{ConfigId}/events/{e.Id}");
}
