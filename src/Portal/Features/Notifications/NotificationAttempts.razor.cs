using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Common;
using Portal.Core.Notifications;
using Portal.Core.Tenancy;

namespace Portal.Features.Notifications;

/// <summary>
/// The attempts log of one notification endpoint (DESIGN.md "Notifications"), server-paged through
/// <see cref="NotificationEndpointService.AttemptsAsync"/>, with its filters in the address (<c>?outcome=&amp;eventType=</c>).
/// After a test event or a resend it looks again every second until the queued event's attempt shows.
/// </summary>
public sealed partial class NotificationAttempts : IDisposable
{
    // MudSelect cannot show a null value's item text; "All" is this marker, never sent to Core.
    private const string AllValue = "";

    /// <summary>How long a queued event is watched for: the dispatcher polls every second, the first attempt comes at once.</summary>
    private const int WatchSeconds = 30;

    private static readonly string[] Outcomes = ["succeeded", "failed", "pending"];

    private static readonly IReadOnlyList<string> EventTypes = [NotificationEvents.Test, .. NotificationEvents.All];

    [Inject] private NotificationEndpointService Service { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Parameter, EditorRequired] public Actor Actor { get; set; } = default!;
    [Parameter, EditorRequired] public NotificationEndpointView Endpoint { get; set; } = default!;
    [Parameter] public bool CanEdit { get; set; }

    /// <summary>The filters as the address has them.</summary>
    [Parameter] public string? Outcome { get; set; }
    [Parameter] public string? EventType { get; set; }

    /// <summary>A <c>webhook-id</c> just queued (a test event): the log is read again until its attempt shows.</summary>
    [Parameter] public string? Watch { get; set; }

    /// <summary>Raised when a watched event's attempt shows (the endpoint's last attempt changed).</summary>
    [Parameter] public EventCallback Changed { get; set; }

    [Parameter] public EventCallback Close { get; set; }

    private MudTable<NotificationAttemptView>? _table;
    private string? _outcome, _eventType, _watched;
    private Guid _endpointId;
    private string? _filterError;
    private bool _busy;
    private readonly HashSet<long> _open = [];
    private HashSet<string> _shown = [];
    private CancellationTokenSource? _watching;

    protected override async Task OnParametersSetAsync()
    {
        var changed = Blank(Outcome) != _outcome || Blank(EventType) != _eventType || Endpoint.Id != _endpointId;
        _outcome = Blank(Outcome);
        _eventType = Blank(EventType);
        _endpointId = Endpoint.Id;
        if (changed && _table is not null)
        {
            _open.Clear();
            await _table.ReloadServerData();
        }

        if (Watch is not null && Watch != _watched)
        {
            _watched = Watch;
            StartWatching(Watch);
        }
    }

    private async Task<TableData<NotificationAttemptView>> LoadPageAsync(TableState state, CancellationToken ct)
    {
        var page = await Service.AttemptsAsync(Actor, Endpoint.Id.ToString(), new NotificationAttemptQuery(_outcome, _eventType),
            Paging.From(state.Page * state.PageSize, state.PageSize), ct);
        var error = page.IsSuccess ? null : $"{page.Error!.Describe()} Change the filters to see attempts.";
        if (error != _filterError)
        {
            // The alert is outside the table: render the component again to show or hide it.
            _filterError = error;
            StateHasChanged();
        }

        var items = page.Value?.Items ?? [];
        _shown = items.Select(a => a.WebhookId).ToHashSet(StringComparer.Ordinal);
        return new TableData<NotificationAttemptView> { Items = items, TotalItems = page.Value?.Total ?? 0 };
    }

    private async Task ReloadAsync()
    {
        if (_table is not null)
        {
            await _table.ReloadServerData();
        }
    }

    private async Task FilterAsync(string? outcome, string? eventType)
    {
        _outcome = Blank(outcome);
        _eventType = Blank(eventType);
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?> { ["outcome"] = _outcome, ["eventType"] = _eventType }), replace: true);
        _open.Clear();
        await ReloadAsync();
    }

    private void Toggle(long id)
    {
        if (!_open.Remove(id))
        {
            _open.Add(id);
        }
    }

    private async Task ResendAsync(NotificationAttemptView attempt)
    {
        _busy = true;
        try
        {
            var queued = await Service.ResendAsync(Actor, attempt.Id.ToString(CultureInfo.InvariantCulture));
            if (!queued.IsSuccess)
            {
                Snackbar.Add(queued.Error!.Describe(), Severity.Error);
                return;
            }

            Snackbar.Add($"Resend queued: {queued.Value!.EventType} ({queued.Value.WebhookId}).", Severity.Success);
            await ReloadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    /// <summary>Reads the log every second until <paramref name="webhookId"/> shows in it, or <see cref="WatchSeconds"/> pass.</summary>
    private void StartWatching(string webhookId)
    {
        _watching?.Cancel();
        _watching?.Dispose();
        _watching = new CancellationTokenSource(TimeSpan.FromSeconds(WatchSeconds));
        var ct = _watching.Token;
        _ = InvokeAsync(async () =>
        {
            try
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
                while (await timer.WaitForNextTickAsync(ct))
                {
                    await ReloadAsync();
                    StateHasChanged();
                    if (_shown.Contains(webhookId))
                    {
                        await Changed.InvokeAsync();
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The page closed or the watch ran out: the Refresh button still reads the log.
            }
        });
    }

    /// <summary>A time at second precision without the zone (the column header says UTC).</summary>
    private static string Stamp(long epochMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMs).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static bool HasDetails(NotificationAttemptView attempt) => attempt.ResponseExcerpt is { Length: > 0 } || attempt.Error is { Length: > 0 };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    public void Dispose()
    {
        _watching?.Cancel();
        _watching?.Dispose();
    }
}
