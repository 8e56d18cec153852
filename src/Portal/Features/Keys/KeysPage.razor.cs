using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Common;
using Portal.Core.KeyLifecycle;

namespace Portal.Features.Keys;

/// <summary>
/// The tenant's key inventory (DESIGN.md "Key lifecycle policy"): server-paged, filtered by kind and status and sorted by
/// column, with the filters and order in the address (<c>?kind=&amp;status=&amp;sort=</c>, so a reload or a shared link keeps
/// them). Admins rotate a key in force or end a grace period from here; Viewers only read.
/// </summary>
public sealed partial class KeysPage
{
    // MudSelect cannot show a null value's item text; "All" is this marker, never sent to Core.
    private const string AllValue = "";

    [Inject] private KeyInventoryService Inventory { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "kind")] public string? KindQuery { get; set; }
    [SupplyParameterFromQuery(Name = "status")] public string? StatusQuery { get; set; }
    [SupplyParameterFromQuery(Name = "sort")] public string? SortQuery { get; set; }

    private MudTable<KeyInventoryItem>? _table;
    private string? _kind, _status, _sort;
    private string? _filterError;
    private bool _busy;

    protected override async Task LoadAsync()
    {
        var changed = Blank(KindQuery) != _kind || Blank(StatusQuery) != _status || Blank(SortQuery) != _sort;
        _kind = Blank(KindQuery);
        _status = Blank(StatusQuery);
        _sort = Blank(SortQuery);
        if (changed && _table is not null)
        {
            await _table.ReloadServerData();
        }
    }

    private async Task<TableData<KeyInventoryItem>> LoadPageAsync(TableState state, CancellationToken ct)
    {
        if (Actor is null)
        {
            return new TableData<KeyInventoryItem> { Items = [], TotalItems = 0 };
        }

        // A click on a column header changes the order: keep it in the address too.
        var sort = state.SortDirection switch
        {
            SortDirection.Ascending => state.SortLabel,
            SortDirection.Descending => "-" + state.SortLabel,
            _ => _sort,
        };
        if (sort != _sort)
        {
            _sort = sort;
            KeepInAddress();
        }

        var page = await Inventory.ListAsync(Actor, new KeyInventoryQuery(_kind, _status, _sort), Paging.From(state.Page * state.PageSize, state.PageSize), ct);
        var error = page.IsSuccess ? null : $"{page.Error!.Describe()} Change the filters to see keys.";
        if (error != _filterError)
        {
            // The alert is the page's, not the table's: render the page again to show or hide it.
            _filterError = error;
            StateHasChanged();
        }
        return new TableData<KeyInventoryItem> { Items = page.Value?.Items ?? [], TotalItems = page.Value?.Total ?? 0 };
    }

    private async Task FilterAsync(string? kind, string? status)
    {
        _kind = Blank(kind);
        _status = Blank(status);
        KeepInAddress();
        if (_table is not null)
        {
            await _table.ReloadServerData();
        }
    }

    private void KeepInAddress() =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?> { ["kind"] = _kind, ["status"] = _status, ["sort"] = _sort }), replace: true);

    /// <summary>The header's first arrow: the order in the address, if it is this column's.</summary>
    private SortDirection Initial(string label) =>
        _sort == label ? SortDirection.Ascending : _sort == "-" + label ? SortDirection.Descending : SortDirection.None;

    private async Task RotateAsync(KeyInventoryItem item) =>
        await RunAsync(() => KeyFlows.RotateAsync(Dialogs, Snackbar, Inventory, Actor!, item, Navigation.BaseUri.TrimEnd('/')));

    private async Task EndGraceAsync(KeyInventoryItem item) =>
        await RunAsync(() => KeyFlows.EndGraceAsync(Dialogs, Snackbar, Inventory, Actor!, item));

    private async Task RunAsync(Func<Task<bool>> action)
    {
        _busy = true;
        try
        {
            if (await action() && _table is not null)
            {
                await _table.ReloadServerData();
            }
        }
        finally
        {
            _busy = false;
        }
    }

    /// <summary>
    /// A time at minute precision without the zone (the column header says UTC); the date never breaks inside, so a
    /// narrow column wraps between date and time only.
    /// </summary>
    private static RenderFragment Stamp(long epochMs) => builder =>
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(epochMs);
        builder.OpenElement(0, "span");
        builder.AddAttribute(1, "style", "white-space: nowrap");
        builder.AddContent(2, at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        builder.CloseElement();
        builder.AddContent(3, " " + at.ToString("HH:mm", CultureInfo.InvariantCulture));
    };

    private static RenderFragment Text(string text) => builder => builder.AddContent(0, text);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
