using MudBlazor;
using Portal.Components.Shared;
using Portal.Core.KeyLifecycle;
using Portal.Core.Tenancy;

namespace Portal.Features.Keys;

/// <summary>
/// The browser's key actions, the same wherever a key is shown (Keys page, owner pages): confirm, call the inventory,
/// show the outcome. Failures come back from Core as values and end in a snackbar, never an exception.
/// </summary>
public static class KeyFlows
{
    /// <summary>The confirmation text of "End grace now".</summary>
    public static string EndGraceWarning(string keyPrefix) => $"Requests with {keyPrefix}… will be refused from now on.";

    /// <summary>Confirms and ends a replaced key's grace period; true when it ended.</summary>
    public static async Task<bool> EndGraceAsync(IDialogService dialogs, ISnackbar snackbar, KeyInventoryService inventory, Actor actor, KeyInventoryItem item)
    {
        if (await dialogs.ConfirmAsync("End grace period", EndGraceWarning(item.KeyPrefix), yesText: "End grace now") != true)
        {
            return false;
        }

        var ended = await inventory.EndGraceAsync(actor, item.Id);
        if (!ended.IsSuccess)
        {
            snackbar.Add(ended.Error!.Describe(), Severity.Error);
            return false;
        }

        snackbar.Add($"Grace period ended: {item.KeyPrefix}… is refused from now on.", Severity.Success);
        return true;
    }

    /// <summary>
    /// Confirms (with a grace period for the kinds that have one), rotates through the owner's own rotation, and shows the
    /// new secret once (a webhook key as its whole URL). True when a new secret was issued; nothing keeps it afterwards.
    /// </summary>
    public static async Task<bool> RotateAsync(IDialogService dialogs, ISnackbar snackbar, KeyInventoryService inventory, Actor actor, KeyInventoryItem item, string baseUrl)
    {
        var title = $"Rotate {KeyLabels.KindInText(item.Kind)}";
        var message = $"Replace {item.KeyPrefix}… of {item.Owner.DisplayName} with a new secret? Whoever uses it must be given the new one.";
        int grace;
        if (KeyLabels.HasGracePeriod(item.Kind))
        {
            if (await dialogs.ConfirmRotationAsync(title, message) is not { } chosen)
            {
                return false;
            }

            grace = chosen;
        }
        else
        {
            if (await dialogs.ConfirmAsync(title, message + " The current one stops working at once.", yesText: "Rotate") != true)
            {
                return false;
            }

            grace = 0;
        }

        var rotated = await inventory.RotateAsync(actor, item.Id, grace, baseUrl);
        if (!rotated.IsSuccess)
        {
            snackbar.Add(rotated.Error!.Describe(), Severity.Error);
            return false;
        }

        var issued = rotated.Value!;
        var isUrl = issued.Url is not null;
        var dialog = await SecretOnceDialog.ShowAsync(dialogs, issued.Url ?? issued.Secret, $"New {KeyLabels.KindInText(issued.Kind)}: {issued.Owner.DisplayName}",
            isUrl ? "webhook URL" : KeyLabels.KindInText(issued.Kind));
        await dialog.Result;
        return true;
    }
}
