using MudBlazor;

namespace Portal.Components.Shared;

/// <summary>Opens <see cref="ConfirmDialog"/>: every "are you sure" of the portal goes through here.</summary>
public static class ConfirmDialogs
{
    /// <summary>True when confirmed; null when cancelled (Cancel, Escape).</summary>
    public static async Task<bool?> ConfirmAsync(this IDialogService dialogs, string title, string message, string yesText, string cancelText = "Cancel", bool destructive = true) =>
        await ChooseAsync(dialogs, title, message, yesText, cancelText, destructive, null, null) is null ? null : true;

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
