using MudBlazor;

namespace Portal.Components.Layout;

/// <summary>
/// The portal's colours: MudBlazor's defaults, darkened where text on them (or they on white) falls below WCAG AA's
/// 4.5:1 (red Delete buttons, green chips, warning and info text, the disabled grey of a breadcrumb's current item).
/// </summary>
public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#4a3bd1",          // 6.9:1 on white
            Secondary = "#c2185b",        // 5.9:1
            Tertiary = "#00796b",         // 5.3:1
            Info = "#0269a4",             // 5.9:1
            Success = "#2e7d32",          // 5.1:1 (white text on green chips)
            Warning = "#a35200",          // 5.0:1
            Error = "#c62828",            // 5.6:1 (Delete buttons)
            TextSecondary = "rgba(0,0,0,0.68)",
            TextDisabled = "rgba(0,0,0,0.6)", // breadcrumb current item, read-only values
            AppbarBackground = "#4a3bd1",
            DrawerText = "rgba(0,0,0,0.87)",
            DrawerIcon = "rgba(0,0,0,0.68)",
        },
    };
}
