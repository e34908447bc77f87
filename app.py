"""qi app entry point (placeholder until the app issue)."""

import streamlit as st

st.set_page_config(page_title="qi", layout="wide")
st.title("qi")
st.write("Quality improvement charts for place-based partnerships.")
