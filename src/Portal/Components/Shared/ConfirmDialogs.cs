using MudBlazor;

namespace Portal.Components.Shared;

/// <summary>Opens <see cref="ConfirmDialog"/>: every "are you sure" of the portal goes through here.</summary>
public static class ConfirmDialogs
{
    /// <summary>True when confirmed; null when cancelled (Cancel, Escape).</summary>
    public static async Task<bool?> ConfirmAsync(this IDialogService dialogs, string title, string message, string yesText, string cancelText = "Cancel", bool destructive = true) =>
        await ChooseAsync(dialogs, title, message, yesText, cancelText, destructive, null, null) is null ? null : true;

    /// <summary>The grace periods a rotation offers (the API takes 0 to 604,800 seconds).</summary>
    public static readonly IReadOnlyList<(string Label, int Seconds)> GracePeriods =
    [
        ("Now: the current one stops working at once", 0),
        ("In 1 hour: both work until then", 3600),
        ("In 24 hours: both work until then", 86_400),
        ("In 7 days: both work until then", 604_800),
    ];

    /// <summary>
    /// Confirms a rotation and asks when the current secret stops working; the grace period in seconds when confirmed
    /// (0: at once), null when cancelled.
    /// </summary>
    public static async Task<int?> ConfirmRotationAsync(this IDialogService dialogs, string title, string message) =>
        await ChooseAsync(dialogs, title, message, "Rotate", "Cancel", destructive: true, GracePeriods.Select(g => g.Label).ToList(), "When the current one stops working") is { } index
            ? GracePeriods[index].Seconds
            : null;

    /// <summary>The index of the chosen option when confirmed; null when cancelled.</summary>
    public static async Task<int?> ChooseAsync(this IDialogService dialogs, string title, string message, string yesText, string cancelText, bool destructive,
        IReadOnlyList<string>? choices, string? choiceLabel)
    {
        var dialog = await dialogs.ShowAsync<ConfirmDialog>(title, new DialogParameters<ConfirmDialog>
        {
            { d => d.Title, title },
            { d => d.Message, message },
            { d => d.YesText, yesText },
            { d => d.CancelText, cancelText },
            { d => d.Destructive, destructive },
            { d => d.Choices, choices },
            { d => d.ChoiceLabel, choiceLabel },
        }, new DialogOptions { CloseOnEscapeKey = true, BackdropClick = true, DefaultFocus = DefaultFocus.None, MaxWidth = MaxWidth.Small });
        var result = await dialog.Result;
        return result is { Canceled: false, Data: int choice } ? choice : null;
    }
}
