"""User-facing strings of the "Analyse" section (German, English), merged into ``sozialmonitor.i18n.TEXTS``.
Keys start with ``an_``; the same rules apply as in ``i18n.py`` (both languages, same placeholders)."""

from __future__ import annotations

TEXTS_ANALYTICS: dict[str, tuple[str, str]] = {
    # section
    "an_title": ("Analyse", "Analysis"),
    "an_intro": ("Die Analysen rechnen mit den veröffentlichten Werten der gewählten Ebene: gesperrte Werte "
                 "(Geheimhaltung) zählen als fehlend. Ein Ergebnis wird in der Karte gezeigt; jede Änderung der "
                 "Auswahl zeigt wieder den Indikator.",
                 "The analyses use the published values of the chosen level: suppressed values (confidentiality) "
                 "count as missing. A result is shown on the map; any change of the selection shows the "
                 "indicator again."),
    "an_restore_map": ("Wieder den Indikator in der Karte zeigen", "Show the indicator on the map again"),
    "an_run": ("Berechnen", "Compute"),
    "an_choose_indicators": ("Indikatoren wählen …", "Choose indicators …"),
    "an_indicators": ("Indikatoren", "Indicators"),
    "an_areas": ("Gebiete", "Areas"),
    "an_areas_used": ("{n} Gebiete gehen ein; {excluded} ohne Ergebnis (fehlende oder gesperrte Werte, "
                      "Einwohnerschwelle).",
                      "{n} areas included; {excluded} without a result (missing or suppressed values, "
                      "population threshold)."),
    "an_total": ("Summe", "Total"),
    "an_error": ("Die Analyse ist so nicht möglich: {detail}", "This analysis is not possible: {detail}"),
    "an_not_visible": ("Diese Analyse ist für die gewählte Ebene oder die gewählten Indikatoren nicht verfügbar.",
                       "This analysis is not available for the chosen level or indicators."),
    "an_bad_numbers": ("„{field}“: Zahlen mit ; trennen, z. B. 1; 0,5.",
                       "“{field}”: separate numbers with ;, e.g. 1; 0.5."),
    "an_choose_first": ("Bitte zuerst Indikatoren und Zeitpunkt wählen.",
                        "Please choose indicators and a period first."),
    "an_sd": ("SD", "SD"),
    "an_threshold_skipped": ("Für {indicator} gibt es zum {period} keine Werte: die Einwohnerschwelle "
                             "({threshold}) wurde nicht angewandt.",
                             "{indicator} has no values for {period}: the population threshold ({threshold}) "
                             "was not applied."),
    # MSS
    "an_mss_title": ("Monitoring Soziale Stadtentwicklung: Status und Dynamik",
                     "Monitoring of social urban development: status and dynamics"),
    "an_mss_intro": ("Status- und Dynamikindex nach der Methode des MSS Berlin (z-Werte der Anteile S1–S4 bzw. "
                     "ihrer Veränderungen D1–D4, Planungsräume ab 300 Einwohnern, Klassen nach "
                     "Standardabweichungen) und ihre Kreuzung.",
                     "Status and dynamics index by the method of Berlin's MSS (z-scores of the shares S1–S4 and of "
                     "their changes D1–D4, planning areas with at least 300 inhabitants, classes by standard "
                     "deviations) and their cross-tabulation."),
    "an_mss_show": ("In der Karte", "On the map"),
    "an_mss_status": ("Status", "Status"),
    "an_mss_dynamics": ("Dynamik", "Dynamics"),
    "an_mss_status_1": ("hoch", "high"),
    "an_mss_status_2": ("mittel", "medium"),
    "an_mss_status_3": ("niedrig", "low"),
    "an_mss_status_4": ("sehr niedrig", "very low"),
    "an_mss_dynamics_1": ("positiv", "positive"),
    "an_mss_dynamics_2": ("stabil", "stable"),
    "an_mss_dynamics_3": ("negativ", "negative"),
    "an_mss_edition": ("MSS {edition} (Daten zum {period})", "MSS {edition} (data as of {period})"),
    "an_matrix_caption": ("Gebiete nach Status (Zeilen) und Dynamik (Spalten)",
                          "Areas by status (rows) and dynamics (columns)"),
    "an_map_mss_status": ("MSS-Statusindex · {period}", "MSS status index · {period}"),
    "an_map_mss_dynamics": ("MSS-Dynamikindex · {period}", "MSS dynamics index · {period}"),
    # composite
    "an_composite_title": ("Zusammengesetzter Index", "Composite index"),
    "an_composite_intro": ("Indikatoren werden über die Gebiete z-standardisiert, gewichtet addiert, erneut "
                           "standardisiert und nach Standardabweichungen in Klassen geteilt.",
                           "Indicators are z-standardised over the areas, added with weights, standardised again "
                           "and divided into classes by standard deviations."),
    "an_components": ("Bestandteile", "Components"),
    "an_lowering": ("Senken den Index (höherer Wert = niedrigerer Index)",
                    "Lower the index (higher value = lower index)"),
    "an_weights": ("Gewichte in Reihenfolge der Bestandteile (leer: alle 1)",
                   "Weights in the order of the components (empty: all 1)"),
    "an_cuts": ("Klassengrenzen in Standardabweichungen", "Class cut points in standard deviations"),
    "an_min_population": ("Nur Gebiete ab Einwohnern (leer: alle)",
                          "Only areas with at least inhabitants (empty: all)"),
    "an_class": ("Klasse", "Class"),
    "an_classes_caption": ("Gebiete je Indexklasse", "Areas per index class"),
    "an_direction": ("Richtung", "Direction"),
    "an_weight": ("Gewicht", "Weight"),
    "an_mean": ("Mittelwert", "Mean"),
    "an_sd_long": ("Standardabweichung", "Standard deviation"),
    "an_components_caption": ("Bestandteile: Mittelwert und Standardabweichung über die einbezogenen Gebiete",
                              "Components: mean and standard deviation over the included areas"),
    "an_map_composite": ("Zusammengesetzter Index · {period}", "Composite index · {period}"),
    # typology
    "an_typology_title": ("Typisierung", "Typology"),
    "an_typology_intro": ("Gebiete mit ähnlichem Profil werden zu Typen gruppiert (k-means oder Ward, auf "
                          "z-standardisierten Indikatoren; gleiche Eingaben ergeben dieselben Typen und Nummern).",
                          "Areas with similar profiles are grouped into types (k-means or Ward, on z-standardised "
                          "indicators; the same inputs give the same types and numbers)."),
    "an_k": ("Anzahl der Typen", "Number of types"),
    "an_method": ("Verfahren", "Method"),
    "an_kmeans": ("k-means", "k-means"),
    "an_ward": ("Ward (hierarchisch)", "Ward (hierarchical)"),
    "an_seed": ("Startwert (Zufall)", "Seed (random)"),
    "an_type": ("Typ {n}", "Type {n}"),
    "an_type_col": ("Typ", "Type"),
    "an_mean_z": ("mittlerer z-Wert", "mean z-score"),
    "an_typology_summary": ("{k} Typen, {method}; Silhouette {silhouette} (−1 … 1, höher = klarer getrennt).",
                            "{k} types, {method}; silhouette {silhouette} (−1 … 1, higher = better separated)."),
    "an_profile_caption": ("Profil je Typ: mittlerer z-Wert jedes Indikators",
                           "Profile per type: mean z-score of every indicator"),
    "an_sizes_caption": ("Gebiete je Typ", "Areas per type"),
    "an_map_typology": ("Typisierung ({k} Typen) · {period}", "Typology ({k} types) · {period}"),
    # hot spots
    "an_hot_spots_title": ("Hot Spots (lokales Moran's I)", "Hot spots (local Moran's I)"),
    "an_hot_spots_intro": ("Räumliche Häufungen hoher oder niedriger Werte: globales Moran's I und lokale "
                           "Cluster (LISA) mit Permutationstest, Nachbarschaft über gemeinsame Grenze oder Ecke.",
                           "Spatial clusters of high or low values: global Moran's I and local clusters (LISA) "
                           "with a permutation test, neighbours sharing an edge or corner."),
    "an_alpha": ("Signifikanzniveau", "Significance level"),
    "an_permutations": ("Permutationen", "Permutations"),
    "an_moran_i": ("Moran's I", "Moran's I"),
    "an_expected_i": ("Erwartungswert ohne Muster", "Expected without pattern"),
    "an_z_sim": ("z-Wert (Permutationen)", "z-score (permutations)"),
    "an_p_sim": ("Pseudo-p-Wert", "Pseudo p-value"),
    "an_n": ("Gebiete", "Areas"),
    "an_moran_reading": ("{permutations} Permutationen, Niveau {alpha}; ohne Korrektur für multiples Testen: "
                         "etwa {expected} Gebiete können zufällig signifikant sein.",
                         "{permutations} permutations, level {alpha}; no correction for multiple testing: about "
                         "{expected} areas may be significant by chance."),
    "an_cluster": ("Klasse", "Class"),
    "an_clusters_caption": ("Gebiete je Cluster", "Areas per cluster"),
    "an_cluster_HH": ("Hoch–Hoch (Hot Spot)", "High–high (hot spot)"),
    "an_cluster_LL": ("Niedrig–Niedrig (Cold Spot)", "Low–low (cold spot)"),
    "an_cluster_HL": ("Hoch–Niedrig (Ausreißer)", "High–low (outlier)"),
    "an_cluster_LH": ("Niedrig–Hoch (Ausreißer)", "Low–high (outlier)"),
    "an_cluster_ns": ("nicht signifikant", "not significant"),
    "an_cluster_island": ("ohne Nachbarn mit Wert", "no neighbour with a value"),
    "an_map_hot_spots": ("Hot Spots: {name} · {period}", "Hot spots: {name} · {period}"),
    # scatter
    "an_scatter_title": ("Streudiagramm", "Scatter plot"),
    "an_scatter_intro": ("Zwei Indikatoren über die Gebiete, mit Korrelation und Regressionsgerade. Ein Klick auf "
                         "einen Punkt wählt das Gebiet aus.",
                         "Two indicators over the areas, with correlation and regression line. Clicking a point "
                         "selects the area."),
    "an_x": ("x-Achse", "x axis"),
    "an_y": ("y-Achse", "y axis"),
    "an_pearson": ("Pearson r", "Pearson r"),
    "an_spearman": ("Spearman ρ", "Spearman ρ"),
    "an_r_squared": ("R² der Geraden", "R² of the line"),
    "an_regression": ("Regressionsgerade", "Regression line"),
    "an_scatter_caution": ("Korrelation ist keine Ursache; Aussagen gelten für Gebiete, nicht für Personen.",
                           "Correlation is not causation; statements hold for areas, not for people."),
    # saving
    "an_save_title": ("Als Indikator speichern", "Save as indicator"),
    "an_save_nothing": ("Noch kein Ergebnis: erst eine Analyse berechnen.",
                        "No result yet: compute an analysis first."),
    "an_save_subject": ("Zu speichern: {what}", "To be saved: {what}"),
    "an_save_id": ("Kennung (Buchstaben, Ziffern, _ . -)", "Id (letters, digits, _ . -)"),
    "an_save_name_de": ("Name (deutsch)", "Name (German)"),
    "an_save_name_en": ("Name (englisch, optional)", "Name (English, optional)"),
    "an_save": ("Als Indikator speichern", "Save as indicator"),
    "an_saved": ("Gespeichert als „{id}“ ({visibility}): {n} Werte zum {period}. Methode, Eingaben und Datum "
                 "stehen im Katalog.",
                 "Saved as “{id}” ({visibility}): {n} values for {period}. Method, inputs and date are recorded "
                 "in the catalogue."),
    "an_visibility_public": ("öffentlich", "public"),
    "an_visibility_internal": ("intern", "internal"),
    "an_not_allowed": ("Speichern dürfen nur Fachplanung und Administration.",
                       "Only planners and administrators may save results."),
    "an_def_mss_status": ("Klasse des Statusindex nach der Methode des MSS Berlin (1 hoch … 4 sehr niedrig).",
                          "Class of the status index by the method of Berlin's MSS (1 high … 4 very low)."),
    "an_def_mss_dynamics": ("Klasse des Dynamikindex nach der Methode des MSS Berlin (1 positiv, 2 stabil, "
                            "3 negativ).",
                            "Class of the dynamics index by the method of Berlin's MSS (1 positive, 2 stable, "
                            "3 negative)."),
    "an_def_composite": ("Zusammengesetzter Index (z-Wert): gewichtete Summe z-standardisierter Indikatoren, "
                         "erneut standardisiert; Methode und Eingaben siehe Katalog.",
                         "Composite index (z-score): weighted sum of z-standardised indicators, standardised "
                         "again; see the catalogue for method and inputs."),
    "an_def_typology": ("Typ des Gebiets aus einer Clusteranalyse; Methode und Eingaben siehe Katalog.",
                        "Type of the area from a cluster analysis; see the catalogue for method and inputs."),
    "an_def_hot_spots": ("LISA-Cluster: 0 nicht signifikant, 1 Hoch–Hoch, 2 Niedrig–Niedrig, 3 Hoch–Niedrig, "
                         "4 Niedrig–Hoch.",
                         "LISA cluster: 0 not significant, 1 high–high, 2 low–low, 3 high–low, 4 low–high."),
}
